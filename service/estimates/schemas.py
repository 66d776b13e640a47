"""Request and response bodies of ``POST /v1/estimate``: the contract other services rely on."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Precision = Literal["bf16", "fp8", "fp4", "int8", "int4"]

WORKLOAD_PRESETS: dict[str, dict[str, int]] = {
    "chat": {"input_tokens": 1024, "output_tokens": 1024},
    "reasoning": {"input_tokens": 1024, "output_tokens": 8192},
    "rag": {"input_tokens": 8192, "output_tokens": 1024},
}
"""Token shapes of the named workloads. ``reasoning`` is the test-time-scaling case that multiplies
output tokens; ``rag`` is long-context retrieval. SLO presets (MLPerf) come from the catalog."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ParallelismIn(Strict):
    tp: int | None = Field(default=None, ge=1, le=1024, description="Tensor-parallel degree.")
    pp: int | None = Field(default=None, ge=1, le=256, description="Pipeline-parallel stages.")
    ep: int | None = Field(default=None, ge=1, le=1024, description="Expert-parallel degree (MoE only).")
    dp: int | None = Field(default=None, ge=1, le=4096, description="Data-parallel replicas.")


class WorkloadIn(Strict):
    preset: Literal["chat", "reasoning", "rag"] | None = Field(
        default=None,
        description="Named token shape (chat 1024/1024, reasoning 1024/8192, rag 8192/1024); "
        "explicit fields override it.",
    )
    input_tokens: int | None = Field(default=None, ge=1, le=2_000_000, description="Prompt tokens per request.")
    output_tokens: int | None = Field(default=None, ge=1, le=1_000_000, description="Generated tokens per request.")
    concurrency: int | None = Field(default=None, ge=1, le=100_000, description="Requests in flight.")
    request_rate_per_s: float | None = Field(default=None, gt=0, le=1e6, description="Arrival rate.")

    @model_validator(mode="after")
    def _resolve(self) -> WorkloadIn:
        if self.concurrency is not None and self.request_rate_per_s is not None:
            raise ValueError("give concurrency or request_rate_per_s, not both (neither = maximum throughput)")
        base = WORKLOAD_PRESETS.get(self.preset or "", {})
        if self.input_tokens is None:
            self.input_tokens = base.get("input_tokens")
        if self.output_tokens is None:
            self.output_tokens = base.get("output_tokens")
        if self.input_tokens is None or self.output_tokens is None:
            raise ValueError("input_tokens and output_tokens are required unless a preset gives them")
        return self


class SloIn(Strict):
    preset: str | None = Field(
        default=None,
        description="An SLO preset id of `GET /v1/slo-presets` (MLPerf server/interactive limits); "
        "explicit fields override it.",
        examples=["mlperf-llama2-70b-interactive"],
    )
    ttft_ms: float | None = Field(default=None, gt=0, description="Time-to-first-token limit.")
    tpot_ms: float | None = Field(default=None, gt=0, description="Time-per-output-token limit.")
    min_tokens_per_s_per_user: float | None = Field(
        default=None, gt=0, description="Interactivity floor; the same as tpot_ms = 1000 / value."
    )


class TcoIn(Strict):
    purchase_usd_per_accelerator: float | None = Field(
        default=None, ge=0, description="Purchase price of one accelerator with its share of server and network."
    )
    purchase_usd_per_server: float | None = Field(default=None, ge=0)
    purchase_usd_per_rack: float | None = Field(default=None, ge=0)
    accelerators_per_server: int = Field(default=8, ge=1)
    amortisation_years: float = Field(default=4.0, gt=0, le=20)
    utilisation: float = Field(default=0.8, gt=0, le=1)
    power_kw_per_accelerator: float | None = Field(
        default=None, gt=0,
        description="IT power per accelerator incl. host and network share; default: the catalog's all-in "
        "figure divided by PUE, else TDP x 2.2 / PUE.",
    )
    pue: float = Field(default=1.3, ge=1, le=3)
    usd_per_kwh: float = Field(default=0.08, ge=0, le=5)
    other_opex_usd_per_accelerator_year: float = Field(default=0.0, ge=0)


class PricingIn(Strict):
    usd_per_accelerator_hour: float | None = Field(default=None, gt=0, le=10_000)
    provider: str | None = Field(default=None, description="Catalog provider to take the price from.")
    pricing_type: str | None = Field(
        default=None, description="Catalog pricing type (default `on-demand`, then any other)."
    )
    tco: TcoIn | None = Field(default=None, description="Build the hourly cost up from purchase, power and opex.")
    tco_table: Literal["hyperscaler_owned", "neocloud", "3yr_rental"] | None = Field(
        default=None,
        description="Use the all-in USD per GPU-hour of the catalog's TCO table (`GET /v1/tco-costs`) on this "
        "basis: one consistent basis across the platforms it covers.",
    )
    output_to_input_price_ratio: float = Field(
        default=4.0, gt=0, le=100, description="For the blended price: output tokens cost this many input tokens."
    )


class EstimateRequest(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "model": "llama-3.1-70b",
                    "platform": "nvidia-h100-sxm-80gb",
                    "precision": "fp8",
                    "num_accelerators": 8,
                    "workload": {"input_tokens": 1024, "output_tokens": 1024, "concurrency": 64},
                }
            ]
        },
    )

    model: str = Field(description="Model id of `GET /v1/models`.", min_length=1, max_length=200)
    platform: str = Field(description="Platform id of `GET /v1/platforms` (rack rows count 72 GPUs each).",
                          min_length=1, max_length=200)
    precision: Precision | None = Field(default=None, description="Weight precision; default: best native.")
    num_accelerators: int | None = Field(default=None, ge=1, le=4096, description="Default: chosen by search.")
    parallelism: ParallelismIn = Field(default_factory=ParallelismIn)
    framework: str | None = Field(default=None, max_length=40, description="trtllm | vllm | sglang | ...")
    workload: WorkloadIn
    slo: SloIn | None = None
    pricing: PricingIn | None = None


class DeploymentOut(BaseModel):
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


class MemoryOut(BaseModel):
    capacity_gb_per_accelerator: float
    weights_gb_per_accelerator: float
    kv_cache_gb_per_accelerator: float
    reserved_gb_per_accelerator: float
    kv_cache_bytes_per_token: float
    max_concurrent_sequences: int


class LatencyOut(BaseModel):
    ttft_ms: float
    tpot_ms: float
    e2e_ms: float


class ThroughputOut(BaseModel):
    output_tokens_per_s: float
    output_tokens_per_s_per_accelerator: float
    output_tokens_per_s_per_accelerator_p10: float
    output_tokens_per_s_per_accelerator_p90: float
    input_tokens_per_s: float
    requests_per_s: float
    interactivity_tokens_per_s_per_user: float
    saturated: bool


class PriceUsed(BaseModel):
    usd_per_accelerator_hour: float
    basis: Literal["user", "catalog", "tco", "tco-table"]
    source: str
    price_id: str | None = None
    provider: str | None = None
    pricing_type: str | None = None
    date: str | None = None
    components: dict[str, float] = Field(default_factory=dict)


class CostOut(BaseModel):
    usd_per_hour: float
    usd_per_million_output_tokens: float
    usd_per_million_input_tokens: float
    usd_per_million_tokens_blended: float
    tokens_per_dollar: float
    usd_per_million_output_tokens_p10: float
    usd_per_million_output_tokens_p90: float
    price: PriceUsed


class PowerOut(BaseModel):
    kw: float | None
    kw_per_accelerator: float | None
    output_tokens_per_s_per_mw: float | None
    basis: str


class SloOut(BaseModel):
    ttft_ms: float | None
    tpot_ms: float | None
    met: bool


class EstimateResponse(BaseModel):
    model: str
    platform: str
    deployment: DeploymentOut
    memory: MemoryOut
    latency: LatencyOut
    throughput: ThroughputOut
    cost: CostOut | None = Field(
        description="Null only when the catalog has no price for the platform and the request gives none; "
        "`assumptions` then says how to supply one."
    )
    power: PowerOut
    slo: SloOut | None
    bottleneck: str
    efficiency_scope: str
    efficiency_fallback: bool
    assumptions: list[str]
    catalog_version: int
    engine_version: str


class BatchRequest(Strict):
    estimates: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=1000,
        description="Up to 1,000 bodies of `POST /v1/estimate` (EstimateRequest). Each is validated and "
        "answered on its own: an invalid one gets its own 422 item and the others are still answered.",
        json_schema_extra={"items": {"$ref": "#/components/schemas/EstimateRequest"}},
    )


class BatchItem(BaseModel):
    index: int
    status: int
    result: EstimateResponse | None = None
    error: dict | None = None


class BatchResponse(BaseModel):
    items: list[BatchItem]
    succeeded: int
    failed: int
