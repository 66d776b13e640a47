"""Request and response bodies of the catalog API: ``XCreate`` (POST), ``XReplace`` (PUT), ``XUpdate``
(PATCH, every field optional), ``XRead`` and ``Page[XRead]``. Field names are the table's column names,
with their units."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field, computed_field, create_model, model_validator

Slug = Annotated[
    str,
    Field(
        min_length=1,
        max_length=100,
        pattern=r"^[a-z0-9][a-z0-9._-]*$",
        description="Lower-case id: letters, digits, '.', '_' and '-'.",
    ),
]
PriceSlug = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[a-z0-9][a-z0-9._-]*$")]
Text = Annotated[str, Field(min_length=1, max_length=200)]
Source = Annotated[
    str, Field(min_length=1, max_length=4000, description="Where the numbers come from (URLs, documents).")
]
Notes = Annotated[str, Field(max_length=8000, description="Caveats and derivations.")]
PositiveFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NonNegativeFloat = Annotated[float, Field(ge=0, allow_inf_nan=False)]
PositiveInt = Annotated[int, Field(ge=1)]
NonNegativeInt = Annotated[int, Field(ge=0)]

NATIVE_PRECISION_COLUMNS = {
    "bf16": "dense_bf16_tflops",
    "fp8": "dense_fp8_tflops",
    "fp6": "dense_fp6_tflops",
    "fp4": "dense_fp4_tflops",
    "int8": "dense_int8_tops",
}
"""Precision -> the column holding its dense tensor throughput; a null column = not native."""

_READ_CONFIG = ConfigDict(from_attributes=True, protected_namespaces=())


def _examples(*examples: dict[str, Any]) -> dict[str, Any]:
    return {"examples": list(examples)}


# ---- examples (real seed rows, shortened sources) ----------------------------------------------------

PLATFORM_EXAMPLE: dict[str, Any] = {
    "id": "nvidia-h100-sxm-80gb",
    "vendor": "NVIDIA",
    "name": "H100 SXM5 80GB",
    "family": "nvidia-hopper",
    "memory_gb": 80.0,
    "hbm_bandwidth_tb_per_s": 3.35,
    "dense_bf16_tflops": 989.0,
    "dense_fp8_tflops": 1979.0,
    "dense_fp6_tflops": None,
    "dense_fp4_tflops": None,
    "dense_int8_tops": 1979.0,
    "scale_up_domain": 8,
    "scale_up_bandwidth_gb_per_s": 450.0,
    "scale_up_bandwidth_direction": "unidirectional",
    "scale_out_bandwidth_gbit_per_s": 400.0,
    "tdp_w": 700.0,
    "release_year": 2022,
    "per_accelerator_platform_id": None,
    "accelerators_per_unit": 1,
    "source": "https://archive-lib.hpctech.co.jp/gpuproduct/nvidia-h100.html (NVIDIA H100 datasheet copy)",
    "notes": "HALVED from datasheet sparse values. NVLink4 900 GB/s bidirectional = 450 GB/s per direction.",
}
MODEL_EXAMPLE: dict[str, Any] = {
    "id": "llama-3.1-70b",
    "family": "llama3",
    "params_total_b": 70.55,
    "params_active_b": 70.55,
    "num_layers": 80,
    "hidden_size": 8192,
    "intermediate_size": 28672,
    "moe_intermediate_size": None,
    "num_attention_heads": 64,
    "num_kv_heads": 8,
    "head_dim": 128,
    "vocab_size": 128256,
    "max_context": 131072,
    "attention_type": "GQA",
    "num_experts": None,
    "experts_per_token": None,
    "num_shared_experts": None,
    "first_k_dense_layers": None,
    "num_moe_layers": 0,
    "kv_lora_rank": None,
    "q_lora_rank": None,
    "qk_rope_head_dim": None,
    "qk_nope_head_dim": None,
    "v_head_dim": None,
    "sliding_window": None,
    "local_attention_layers": 0,
    "tied_embeddings": False,
    "source": "huggingface.co/meta-llama/Meta-Llama-3.1-70B/config.json",
    "notes": "params computed from config (all weights incl. input embedding and LM head).",
}
PRICE_EXAMPLE: dict[str, Any] = {
    "id": "nvidia-h100-sxm-80gb--aws--on-demand",
    "platform_id": "nvidia-h100-sxm-80gb",
    "provider": "AWS",
    "pricing_type": "on-demand",
    "usd_per_accelerator_hour": 6.88,
    "date": "2026-11-09",
    "source": "https://raw.githubusercontent.com/datareceipts/data-receipts/main/109-gpu-pricing/hyperscalers.json",
    "notes": "p5.48xlarge $55.04/hr / 8 GPUs, us-east-1.",
}
TCO_EXAMPLE: dict[str, Any] = {
    "platform_id": "nvidia-h100-sxm-80gb",
    "all_in_kw_per_accelerator": 1.73,
    "usd_per_accelerator_hour_hyperscaler_owned": 1.3,
    "usd_per_accelerator_hour_neocloud": 1.69,
    "usd_per_accelerator_hour_3yr_rental": 1.3,
    "source": "SemiAnalysisAI/InferenceX-app packages/app/src/lib/constants.ts",
    "notes": "all-in facility kW per GPU incl. host and cooling share",
}
SLO_PRESET_EXAMPLE: dict[str, Any] = {
    "id": "mlperf-llama3.1-8b-server",
    "model_class": "llama-3.1-8b",
    "ttft_ms": 2000.0,
    "tpot_ms": 100.0,
    "source": "mlcommons/inference loadgen/mlperf.conf",
}
EFFICIENCY_EXAMPLE: dict[str, Any] = {
    "id": "nvidia-hopper--fp8--trtllm",
    "platform_family": "nvidia-hopper",
    "platform_id": None,
    "precision": "fp8",
    "framework": "trtllm",
    "params": {"hbm_bandwidth_fraction": 0.78, "compute_fraction": 0.55},
    "residual_p10": -0.12,
    "residual_p90": 0.1,
    "n_cases": 42,
    "provenance": "costcurve calibrate on seed/calibration.csv",
    "source": "costcurve calibrate on seed/calibration.csv",
    "fitted_at": "2026-11-28T01:00:00Z",
}
_BOOKKEEPING_EXAMPLE = {
    "user_modified": False,
    "revision": 1,
    "created_at": "2026-11-28T01:00:00Z",
    "updated_at": "2026-11-28T01:00:00Z",
}


def _without_id(example: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in example.items() if k != "id"}


def _partial(model: type[BaseModel], name: str, doc: str, example: dict[str, Any]) -> type[BaseModel]:
    """``model`` with every field optional and defaulting to "not sent" (PATCH bodies). The merged row
    is validated against ``model`` itself, so its cross-field rules still apply."""
    fields: dict[str, Any] = {
        field_name: (info.rebuild_annotation() | None, Field(default=None, description=info.description))
        for field_name, info in model.model_fields.items()
    }
    partial = create_model(  # type: ignore[call-overload]
        name,
        __config__=ConfigDict(extra="forbid", json_schema_extra=_examples(example), protected_namespaces=()),
        __doc__=doc,
        __module__=__name__,
        **fields,
    )
    return partial  # type: ignore[no-any-return]


class Bookkeeping(BaseModel):
    user_modified: bool = Field(description="True once the API wrote this row; the seeder leaves it alone.")
    revision: int = Field(description="Goes up with every write to this row.")
    created_at: datetime
    updated_at: datetime


# ---- platforms ----------------------------------------------------------------------------------------


class PlatformReplace(BaseModel):
    """Every field of a platform but its id (PUT replaces the whole row)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_examples(_without_id(PLATFORM_EXAMPLE)))

    vendor: Text
    name: Text
    family: Slug = Field(description="Calibration family, e.g. nvidia-hopper, amd-cdna3, google-tpu.")
    memory_gb: PositiveFloat = Field(description="Accelerator memory, GB (10^9 bytes).")
    hbm_bandwidth_tb_per_s: PositiveFloat = Field(description="Memory bandwidth, TB/s (10^12 bytes/s).")
    dense_bf16_tflops: PositiveFloat | None = Field(None, description="Dense BF16 tensor TFLOP/s; null = not native.")
    dense_fp8_tflops: PositiveFloat | None = Field(None, description="Dense FP8 tensor TFLOP/s; null = not native.")
    dense_fp6_tflops: PositiveFloat | None = Field(None, description="Dense FP6 tensor TFLOP/s; null = not native.")
    dense_fp4_tflops: PositiveFloat | None = Field(None, description="Dense FP4 tensor TFLOP/s; null = not native.")
    dense_int8_tops: PositiveFloat | None = Field(None, description="Dense INT8 tensor TOP/s; null = not native.")
    scale_up_domain: PositiveInt | None = Field(
        None, description="Accelerators in one NVLink / Infinity Fabric / ICI domain (1 = PCIe only)."
    )
    scale_up_bandwidth_gb_per_s: NonNegativeFloat | None = Field(
        None, description="Scale-up link bandwidth per accelerator, GB/s."
    )
    scale_up_bandwidth_direction: Literal["unidirectional", "bidirectional", "unstated"] | None = Field(
        None, description="Whether scale_up_bandwidth_gb_per_s counts one direction or both."
    )
    scale_out_bandwidth_gbit_per_s: NonNegativeFloat | None = Field(
        None, description="NIC line rate per accelerator, Gbit/s."
    )
    tdp_w: PositiveFloat | None = Field(None, description="Board power, W.")
    release_year: int | None = Field(None, ge=1990, le=2100)
    per_accelerator_platform_id: Slug | None = Field(
        None, description="For a whole-rack row: the per-accelerator platform it is made of."
    )
    accelerators_per_unit: PositiveInt = Field(1, description="Accelerators in this row (72 for an NVL72 rack).")
    source: Source
    notes: Notes = ""

    @model_validator(mode="after")
    def _consistent(self) -> PlatformReplace:
        if all(getattr(self, column) is None for column in NATIVE_PRECISION_COLUMNS.values()):
            raise ValueError(
                "a platform needs at least one dense throughput figure (dense_bf16_tflops, dense_fp8_tflops, "
                "dense_fp6_tflops, dense_fp4_tflops or dense_int8_tops)"
            )
        if self.per_accelerator_platform_id is None and self.accelerators_per_unit != 1:
            raise ValueError("accelerators_per_unit > 1 needs per_accelerator_platform_id (the row it is made of)")
        if self.per_accelerator_platform_id is not None and self.accelerators_per_unit < 2:
            raise ValueError(
                "a multi-accelerator row (per_accelerator_platform_id set) needs accelerators_per_unit >= 2"
            )
        return self


class PlatformCreate(PlatformReplace):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_examples(PLATFORM_EXAMPLE))

    id: Slug


PlatformUpdate = _partial(
    PlatformReplace,
    "PlatformUpdate",
    "Fields to change on a platform; the others keep their values.",
    {"memory_gb": 96.0, "notes": "Measured usable memory."},
)


class PlatformRead(PlatformCreate, Bookkeeping):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra=_examples(
            {**PLATFORM_EXAMPLE, **_BOOKKEEPING_EXAMPLE, "native_precisions": ["bf16", "fp8", "int8"]}
        ),
    )

    @computed_field(description="Precisions with a dense tensor throughput figure on this platform.")
    def native_precisions(self) -> list[str]:
        return [p for p, column in NATIVE_PRECISION_COLUMNS.items() if getattr(self, column) is not None]


# ---- models -------------------------------------------------------------------------------------------


class ModelReplace(BaseModel):
    """Every field of a model but its id (PUT replaces the whole row)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_examples(_without_id(MODEL_EXAMPLE)))

    family: Text
    params_total_b: PositiveFloat = Field(description="Every weight incl. embeddings and LM head, billions.")
    params_active_b: PositiveFloat = Field(description="Weights one token uses (MoE: shared + routed), billions.")
    num_layers: PositiveInt
    hidden_size: PositiveInt
    intermediate_size: PositiveInt | None = Field(None, description="Dense FFN width.")
    moe_intermediate_size: PositiveInt | None = Field(None, description="Per-expert FFN width.")
    num_attention_heads: PositiveInt
    num_kv_heads: PositiveInt
    head_dim: PositiveInt
    vocab_size: PositiveInt
    max_context: PositiveInt = Field(description="Longest context, tokens.")
    attention_type: Text = Field(description="MHA, GQA, MLA, with notes on local attention.")
    num_experts: NonNegativeInt | None = Field(None, description="Routed experts per MoE layer; null/0 = dense.")
    experts_per_token: NonNegativeInt | None = None
    num_shared_experts: NonNegativeInt | None = None
    first_k_dense_layers: NonNegativeInt | None = None
    num_moe_layers: NonNegativeInt | None = None
    kv_lora_rank: PositiveInt | None = Field(None, description="MLA compressed KV rank.")
    q_lora_rank: PositiveInt | None = None
    qk_rope_head_dim: PositiveInt | None = None
    qk_nope_head_dim: PositiveInt | None = None
    v_head_dim: PositiveInt | None = None
    sliding_window: PositiveInt | None = Field(None, description="Local attention window or chunk, tokens.")
    local_attention_layers: NonNegativeInt | None = Field(
        None, description="Layers whose KV cache is bounded by sliding_window."
    )
    tied_embeddings: bool = False
    source: Source
    notes: Notes = ""

    @model_validator(mode="after")
    def _consistent(self) -> ModelReplace:
        problems = []
        if self.params_active_b > self.params_total_b:
            problems.append("params_active_b cannot exceed params_total_b")
        if self.num_kv_heads > self.num_attention_heads or self.num_attention_heads % self.num_kv_heads:
            problems.append("num_kv_heads must divide num_attention_heads")
        experts = self.num_experts or 0
        if (self.experts_per_token or 0) > experts:
            problems.append("experts_per_token cannot exceed num_experts")
        if experts and not self.experts_per_token:
            problems.append("an MoE model (num_experts > 0) needs experts_per_token >= 1")
        for name in ("first_k_dense_layers", "num_moe_layers", "local_attention_layers"):
            if (getattr(self, name) or 0) > self.num_layers:
                problems.append(f"{name} cannot exceed num_layers")
        if (self.local_attention_layers or 0) and self.sliding_window is None:
            problems.append("local_attention_layers > 0 needs sliding_window")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class ModelCreate(ModelReplace):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_examples(MODEL_EXAMPLE))

    id: Slug


ModelUpdate = _partial(
    ModelReplace,
    "ModelUpdate",
    "Fields to change on a model; the others keep their values.",
    {"max_context": 65536, "notes": "Served with a 64k context."},
)


class ModelRead(ModelCreate, Bookkeeping):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra=_examples({**MODEL_EXAMPLE, **_BOOKKEEPING_EXAMPLE, "moe": False}),
    )

    @computed_field(description="True for a mixture-of-experts model (num_experts > 0).")
    def moe(self) -> bool:
        return bool(self.num_experts)


# ---- prices -------------------------------------------------------------------------------------------


class PriceReplace(BaseModel):
    """Every field of a price but its id (PUT replaces the whole row)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_examples(_without_id(PRICE_EXAMPLE)))

    platform_id: Slug = Field(description="The platform priced; must exist.")
    provider: Text
    pricing_type: Text = Field(description="on-demand, spot, reserved, capacity-block, tco-estimate...")
    usd_per_accelerator_hour: PositiveFloat = Field(description="US dollars per accelerator per hour.")
    date: Text = Field(description="When the price was read: an ISO date where known.")
    source: Source
    notes: Notes = ""


class PriceCreate(PriceReplace):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_examples(PRICE_EXAMPLE))

    id: PriceSlug | None = Field(
        None, description="Default: '<platform_id>--<provider>--<pricing_type>' in lower case, as the seed ids."
    )


PriceUpdate = _partial(
    PriceReplace,
    "PriceUpdate",
    "Fields to change on a price; the others keep their values.",
    {"usd_per_accelerator_hour": 5.5, "date": "2026-12-01"},
)


class PriceRead(PriceCreate, Bookkeeping):
    model_config = ConfigDict(
        from_attributes=True, json_schema_extra=_examples({**PRICE_EXAMPLE, **_BOOKKEEPING_EXAMPLE})
    )

    id: PriceSlug  # type: ignore[assignment]


# ---- read-only tables ---------------------------------------------------------------------------------


class TcoCostRead(Bookkeeping):
    """All-in cost of owning or renting one accelerator, from the InferenceX TCO model."""

    model_config = ConfigDict(
        from_attributes=True, json_schema_extra=_examples({**TCO_EXAMPLE, **_BOOKKEEPING_EXAMPLE})
    )

    platform_id: str
    all_in_kw_per_accelerator: float = Field(description="Facility power per accelerator incl. host and cooling, kW.")
    usd_per_accelerator_hour_hyperscaler_owned: float
    usd_per_accelerator_hour_neocloud: float
    usd_per_accelerator_hour_3yr_rental: float
    source: str
    notes: str


class SloPresetRead(BaseModel):
    """Latency targets from a benchmark's rules (p99)."""

    model_config = ConfigDict(
        from_attributes=True, protected_namespaces=(), json_schema_extra=_examples(SLO_PRESET_EXAMPLE)
    )

    id: str
    model_class: str
    ttft_ms: float
    tpot_ms: float
    source: str


class EfficiencyParamsRead(BaseModel):
    """Achieved fractions of peak fitted by calibration for one scope; a null scope field = any."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra=_examples(EFFICIENCY_EXAMPLE))

    id: str
    platform_family: str | None
    platform_id: str | None
    precision: str | None
    framework: str | None
    params: dict[str, float]
    residual_p10: float | None
    residual_p90: float | None
    n_cases: int
    provenance: str
    fitted_at: datetime | None

    @computed_field(description="Where these figures come from (the same as provenance).")
    def source(self) -> str:
        return self.provenance


# ---- pages and errors ---------------------------------------------------------------------------------

ItemT = TypeVar("ItemT", bound=BaseModel)


def _page_example(schema: dict[str, Any], cls: type[BaseModel]) -> None:
    (item_type,) = get_args(cls.model_fields["items"].annotation) or (None,)
    extra = getattr(item_type, "model_config", {}).get("json_schema_extra") or {}
    items = extra.get("examples", [])[:1] if isinstance(extra, dict) else []
    schema["examples"] = [{"items": items, "total": 1, "limit": 50, "offset": 0}]


class Page(BaseModel, Generic[ItemT]):
    """One page of a list, in id order."""

    model_config = ConfigDict(json_schema_extra=_page_example)

    items: list[ItemT]
    total: int = Field(description="Rows matching the filters, across all pages.")
    limit: int
    offset: int


class ProblemDetails(BaseModel):
    """An RFC 9457 error body (``application/problem+json``)."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra=_examples(
            {
                "type": "https://costcurve.dev/problems/not-found",
                "title": "Not found",
                "status": 404,
                "detail": "No platform 'nvidia-h100'. Closest ids: nvidia-h100-sxm-80gb, nvidia-h100-pcie-80gb.",
                "instance": "/v1/platforms/nvidia-h100",
                "suggestions": ["nvidia-h100-sxm-80gb", "nvidia-h100-pcie-80gb"],
            }
        ),
    )

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
