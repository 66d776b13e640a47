"""What a platform runs natively, its peak matmul throughput per precision, and default frameworks."""

from __future__ import annotations

from service.engine.specs import PlatformSpec

FRAMEWORKS: tuple[str, ...] = ("trtllm", "vllm", "sglang", "optimum-habana", "jetstream", "neuronx")

_PRECISION_RANK = ("fp4", "fp8", "bf16")


def fp8_native(platform: PlatformSpec) -> bool:
    """fp8 tensor cores: Hopper, Ada, Blackwell, MI300, Gaudi 2 on (any part with an fp8 or fp4 peak)."""
    return bool(platform.dense_fp8_flops_per_s or platform.dense_fp4_flops_per_s)


def fp4_native(platform: PlatformSpec) -> bool:
    """fp4 tensor cores: Blackwell (B200/B300/GB200/GB300/RTX PRO 6000) and MI355X."""
    return bool(platform.dense_fp4_flops_per_s)


def native_precisions(platform: PlatformSpec) -> tuple[str, ...]:
    """bf16, int8 and int4 (weight-only, computed in bf16) run wherever bf16 does; fp8 and fp4 need
    tensor-core support."""
    out = ["bf16"]
    if fp8_native(platform):
        out.append("fp8")
    if fp4_native(platform):
        out.append("fp4")
    out += ["int8", "int4"]
    return tuple(out)


def default_precision(platform: PlatformSpec) -> str:
    """Lowest native floating-point precision (fp4 > fp8 > bf16): what a throughput-minded operator runs."""
    native = native_precisions(platform)
    return next(p for p in _PRECISION_RANK if p in native)


def default_framework(platform: PlatformSpec) -> str:
    vendor = platform.vendor.lower()
    family = platform.family.lower()
    if vendor == "nvidia":
        return "trtllm"
    if "gaudi" in family or vendor == "intel":
        return "optimum-habana"
    if "tpu" in family or vendor == "google":
        return "jetstream"
    if "neuron" in family or vendor == "aws":
        return "neuronx"
    return "vllm"


def bf16_flops(platform: PlatformSpec) -> float:
    """Dense bf16 peak; derived from the fp8 (/2) or fp4 (/4) figure when the sheet omits it."""
    if platform.dense_bf16_flops_per_s:
        return platform.dense_bf16_flops_per_s
    if platform.dense_fp8_flops_per_s:
        return platform.dense_fp8_flops_per_s / 2
    if platform.dense_fp4_flops_per_s:
        return platform.dense_fp4_flops_per_s / 4
    return 1e12


def matmul_flops(platform: PlatformSpec, precision: str) -> float:
    """Peak dense matmul throughput used for GEMMs at ``precision``. int8/int4 are weight-only
    (dequantised to bf16), so they compute at the bf16 rate."""
    bf16 = bf16_flops(platform)
    if precision == "fp8":
        return platform.dense_fp8_flops_per_s or (
            platform.dense_fp4_flops_per_s / 2 if platform.dense_fp4_flops_per_s else 2 * bf16
        )
    if precision == "fp4":
        return platform.dense_fp4_flops_per_s or matmul_flops(platform, "fp8")
    return bf16
