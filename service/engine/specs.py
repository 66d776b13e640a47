"""Value objects the estimator works on.

Everything here is a frozen dataclass with units in the field names. The engine package imports
nothing from the web or database side: the service layer builds these objects from catalog rows
and request bodies, and turns an :class:`Estimate` back into a response.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Precision = Literal["bf16", "fp8", "fp4", "int8", "int4"]
PRECISIONS: tuple[str, ...] = ("bf16", "fp8", "fp4", "int8", "int4")

Bottleneck = Literal["compute", "memory bandwidth", "interconnect", "memory capacity", "overhead"]


@dataclass(frozen=True)
class ModelSpec:
    """Architecture of one model, as in its ``config.json`` (see the catalog's ``source``)."""

    id: str
    family: str
    params_total: float
    """Every weight, input embedding and LM head included (count, not billions)."""
    params_active: float
    """Weights one token uses: total minus the routed experts it does not visit."""
    num_layers: int
    hidden_size: int
    num_attention_heads: int
    num_kv_heads: int
    head_dim: int
    vocab_size: int
    max_context: int
    attention_type: str = "GQA"
    intermediate_size: int | None = None
    """Dense FFN width (dense models, and the dense layers of an MoE)."""
    moe_intermediate_size: int | None = None
    """Per-expert FFN width."""
    num_experts: int = 0
    experts_per_token: int = 0
    num_shared_experts: int = 0
    first_k_dense_layers: int = 0
    num_moe_layers: int = 0
    """Layers whose FFN is a mixture of experts (the rest have a dense FFN of ``intermediate_size``)."""
    kv_lora_rank: int | None = None
    q_lora_rank: int | None = None
    qk_rope_head_dim: int | None = None
    qk_nope_head_dim: int | None = None
    v_head_dim: int | None = None
    sliding_window: int | None = None
    """Local-attention window (or chunk) in tokens, where the model has one."""
    local_attention_layers: int = 0
    """How many of ``num_layers`` attend only within ``sliding_window`` tokens."""
    tied_embeddings: bool = False

    @property
    def is_moe(self) -> bool:
        return self.num_experts > 0

    @property
    def is_mla(self) -> bool:
        return self.kv_lora_rank is not None and self.kv_lora_rank > 0


@dataclass(frozen=True)
class PlatformSpec:
    """One accelerator as a serving device. Rack rows of the catalog are resolved to their
    per-accelerator platform before they reach the engine."""

    id: str
    vendor: str
    name: str
    family: str
    """Calibration family, e.g. ``nvidia-hopper``, ``amd-cdna3``, ``intel-gaudi``, ``google-tpu``."""
    memory_bytes: float
    hbm_bandwidth_bytes_per_s: float
    dense_bf16_flops_per_s: float | None
    dense_fp8_flops_per_s: float | None = None
    dense_fp6_flops_per_s: float | None = None
    dense_fp4_flops_per_s: float | None = None
    dense_int8_ops_per_s: float | None = None
    scale_up_domain: int = 1
    """Accelerators in one NVLink / Infinity Fabric / ICI domain (1 = PCIe only)."""
    scale_up_bandwidth_bytes_per_s: float = 0.0
    """Per accelerator, per direction."""
    scale_out_bandwidth_bytes_per_s: float | None = None
    """Per accelerator, per direction (NIC line rate)."""
    tdp_w: float | None = None
    release_year: int | None = None

    def peak_flops_per_s(self, precision: str) -> float | None:
        """Dense tensor throughput for matmuls at ``precision``; None where not native."""
        return {
            "bf16": self.dense_bf16_flops_per_s,
            "fp8": self.dense_fp8_flops_per_s,
            "fp4": self.dense_fp4_flops_per_s,
            "int8": self.dense_int8_ops_per_s,
        }.get(precision)


@dataclass(frozen=True)
class Parallelism:
    """Requested parallelism; ``None`` means "let the engine choose"."""

    tp: int | None = None
    pp: int | None = None
    ep: int | None = None
    dp: int | None = None


@dataclass(frozen=True)
class Workload:
    """Per-request token counts and the load. Neither concurrency nor rate = maximum throughput."""

    input_tokens: int
    output_tokens: int
    concurrency: int | None = None
    request_rate_per_s: float | None = None


@dataclass(frozen=True)
class Slo:
    ttft_ms: float | None = None
    tpot_ms: float | None = None


@dataclass(frozen=True)
class Scenario:
    """Everything about one estimate except the model and platform."""

    workload: Workload
    precision: str | None = None
    num_accelerators: int | None = None
    parallelism: Parallelism = field(default_factory=Parallelism)
    framework: str | None = None
    slo: Slo | None = None


@dataclass(frozen=True)
class Efficiency:
    """Achieved fractions of peak and fixed costs, fitted by calibration for one scope."""

    hbm_bandwidth_fraction: float
    compute_fraction: float
    prefill_compute_fraction: float
    step_overhead_s: float
    interconnect_fraction: float
    scope: str
    """Which calibration scope supplied these values (e.g. ``nvidia-hopper/fp8/trtllm`` or ``global``)."""
    fallback: bool = False
    """True where the platform had no calibration rows of its own and a family or global value was used."""
    residual_p10: float = 0.8
    residual_p90: float = 1.2
    """Quantiles of measured / predicted throughput in this scope's calibration residuals."""
    token_overhead_s: float = 0.0
    """Host-side cost per token in a step (scheduling, sampling, detokenisation), seconds."""
    kernel_latency_s: float = 0.0
    """Fixed cost of one GPU kernel (launch, ramp-up and tail, inside a CUDA graph), seconds; a step
    pays it once per kernel of every layer on the stage, whatever the batch."""
    wave_fraction: float = 0.0
    """Time to first token: share of a fixed-concurrency benchmark's other requests that arrive in the
    same wave as a given one (requests started together finish together), in [0, 1]."""
    request_overhead_s: float = 0.0
    """Time to first token: fixed cost per request outside the step model (HTTP, tokenisation,
    admission, first sampling and detokenisation), seconds."""
    prefill_kernel_latency_s: float = 0.0
    """Time to first token: host cost of one kernel in a step that carries prompt tokens and runs outside
    the CUDA graph (SGLang extend batches, TensorRT-LLM PyTorch-backend context steps launch every
    kernel eagerly from Python), seconds; 0 where the framework graphs or compiles prefill."""


@dataclass(frozen=True)
class Deployment:
    precision: str
    kv_cache_precision: str
    num_accelerators: int
    tp: int
    pp: int
    ep: int
    dp: int
    framework: str
    concurrency: int
    chosen_by: str
    """``request`` or a sentence saying how the engine chose the missing parts."""


@dataclass(frozen=True)
class MemoryFit:
    capacity_gb_per_accelerator: float
    weights_gb_per_accelerator: float
    kv_cache_gb_per_accelerator: float
    """KV cache held at the concurrency used."""
    reserved_gb_per_accelerator: float
    """Activations, workspace and runtime reserve."""
    kv_cache_bytes_per_token: float
    """Whole model, all layers, at the KV cache precision (before any tp/pp split)."""
    max_concurrent_sequences: int
    """Most sequences of ``input_tokens + output_tokens`` whose KV fits beside the weights."""


@dataclass(frozen=True)
class Latency:
    ttft_ms: float
    tpot_ms: float
    e2e_ms: float


@dataclass(frozen=True)
class Throughput:
    output_tokens_per_s: float
    output_tokens_per_s_per_accelerator: float
    input_tokens_per_s: float
    requests_per_s: float
    interactivity_tokens_per_s_per_user: float


@dataclass(frozen=True)
class Band:
    """An uncertainty band (p10-p90) around a predicted value."""

    p10: float
    p90: float


@dataclass(frozen=True)
class Estimate:
    model_id: str
    platform_id: str
    deployment: Deployment
    memory: MemoryFit
    latency: Latency
    throughput: Throughput
    bottleneck: str
    efficiency: Efficiency
    output_tokens_per_s_per_accelerator_band: Band
    saturated: bool = False
    """Request-rate mode only: the rate exceeds capacity; throughput is the capacity."""
    slo_met: bool | None = None
    """None where no SLO was given."""
    assumptions: tuple[str, ...] = ()


class EngineError(ValueError):
    """A deployment that cannot run. ``fix`` says what would (for example the accelerator count
    that would fit); the service turns it into a 422 problem."""

    def __init__(self, reason: str, *, code: str, fix: dict[str, object] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.fix = fix or {}
