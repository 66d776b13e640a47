"""Request and response bodies of the answers: ``POST /v1/curves``, ``/v1/frontier`` and ``/v1/compare``.

Workload, SLO and pricing reuse the bodies of ``POST /v1/estimate`` (:mod:`service.estimates.schemas`),
so one price and one estimate path serve every answer.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from service.estimates.schemas import Precision, PriceUsed, PricingIn, SloIn, WorkloadIn

MAX_CURVE_POINTS = 400
"""models x platforms of one ``/v1/curves`` request."""
MAX_FRONTIER_POINTS = 256
"""platforms x concurrency levels of one ``/v1/frontier`` request (each level is searched over the
valid deployments)."""
MAX_COMPARE_PLATFORMS = 32
DEFAULT_CONCURRENCIES: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048)

DEFAULT_SLO = {"ttft_ms": 2000.0, "min_tokens_per_s_per_user": 20.0}
"""The curves' default operating point: at least 20 tokens/s per user and TTFT at most 2 s."""

RackUnit = Literal["gpu", "rack"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReturnIn(Strict):
    """Token revenue against infrastructure cost over a period."""

    usd_per_million_tokens_price: float = Field(
        gt=0, le=10_000, description="Price the output tokens are sold at, USD per million output tokens."
    )
    years: float | None = Field(
        default=None, gt=0, le=20,
        description="Period; default: pricing.tco.amortisation_years, else 4.",
    )
    utilisation: float | None = Field(
        default=None, gt=0, le=1,
        description="Share of the period the deployment serves at the estimated throughput; default: "
        "pricing.tco.utilisation, else 0.8.",
    )


def _chat() -> WorkloadIn:
    return WorkloadIn(preset="chat")


class AnswerBase(Strict):
    workload: WorkloadIn = Field(
        default_factory=_chat,
        description="Token shape (preset chat, reasoning or rag; fields override). Concurrency and rate are "
        "not allowed here: each point is the maximum throughput that meets the SLO.",
    )
    slo: SloIn | None = Field(
        default=None,
        description="Latency limits; default (field absent or null): TTFT <= 2,000 ms and at least 20 output "
        "tokens/s per user. `{}` = no limit (maximum throughput). An MLPerf preset of `GET /v1/slo-presets` "
        "may be named.",
    )
    precision: Precision | None = Field(default=None, description="Default: each platform's best native.")
    framework: str | None = Field(default=None, max_length=40)
    pricing: PricingIn | None = Field(
        default=None,
        description="Default: the catalog's median on-demand price of each platform, named in the answer.",
    )
    rack_unit: RackUnit = Field(
        default="gpu",
        description="Rack-scale platforms (GB200/GB300 NVL72): `gpu` costs the best deployment per GPU; "
        "`rack` deploys and costs a whole 72-GPU rack.",
    )
    returns: ReturnIn | None = Field(default=None, description="Add revenue against infrastructure cost.")

    @model_validator(mode="after")
    def _no_fixed_load(self) -> AnswerBase:
        if self.workload.concurrency is not None or self.workload.request_rate_per_s is not None:
            raise ValueError(
                "workload.concurrency and request_rate_per_s are chosen by the answer (maximum throughput "
                "under the SLO); use POST /v1/estimate for a fixed load"
            )
        return self


class CurvesRequest(AnswerBase):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [
            {},
            {"models": ["llama-3.1-8b", "llama-3.1-70b", "llama-3.1-405b"],
             "platforms": ["nvidia-h100-sxm-80gb", "nvidia-b200", "amd-mi300x"],
             "workload": {"preset": "reasoning"}, "slo": {"min_tokens_per_s_per_user": 50}},
        ]},
    )
    models: list[str] | None = Field(
        default=None, min_length=1, max_length=MAX_CURVE_POINTS,
        description="Model ids; default: a ladder of the catalog from 7-8B to 405B+, dense and MoE.",
    )
    platforms: list[str] | None = Field(
        default=None, min_length=1, max_length=MAX_CURVE_POINTS,
        description="Platform ids; default: every per-accelerator platform the catalog has a price for.",
    )


class CompareRequest(AnswerBase):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [
            {"model": "gpt-oss-120b", "platforms": ["nvidia-h100-sxm-80gb", "nvidia-b200", "nvidia-gb200-nvl72"]},
        ]},
    )
    model: str = Field(min_length=1, max_length=200)
    platforms: list[str] | None = Field(
        default=None, min_length=1, max_length=MAX_COMPARE_PLATFORMS,
        description="Default: every per-accelerator platform with a price.",
    )


class FrontierRequest(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [
            {"model": "gpt-oss-120b", "platforms": ["nvidia-h200-sxm-141gb", "nvidia-b200"]},
        ]},
    )
    model: str = Field(min_length=1, max_length=200)
    platforms: list[str] | None = Field(
        default=None, min_length=1, max_length=MAX_FRONTIER_POINTS,
        description="Default: every per-accelerator platform with a price.",
    )
    workload: WorkloadIn = Field(default_factory=_chat)
    precision: Precision | None = None
    framework: str | None = Field(default=None, max_length=40)
    concurrencies: list[int] | None = Field(
        default=None, min_length=1, max_length=64,
        description=f"Requests in flight per replica to sweep; default {list(DEFAULT_CONCURRENCIES)}.",
    )
    num_accelerators: int | None = Field(
        default=None, ge=1, le=4096, description="Fix the deployment size; default: sweep the valid ones."
    )
    pricing: PricingIn | None = None

    @model_validator(mode="after")
    def _no_fixed_load(self) -> FrontierRequest:
        if self.workload.concurrency is not None or self.workload.request_rate_per_s is not None:
            raise ValueError("the frontier sweeps concurrency itself; give `concurrencies` instead")
        if self.concurrencies is not None and any(c < 1 or c > 100_000 for c in self.concurrencies):
            raise ValueError("concurrencies must be between 1 and 100,000")
        return self


class DeploymentBrief(BaseModel):
    precision: str
    num_accelerators: int
    tp: int
    pp: int
    ep: int
    dp: int
    framework: str
    concurrency: int


class ReturnOut(BaseModel):
    years: float
    utilisation: float
    usd_per_million_tokens_price: float
    revenue_usd: float
    infrastructure_cost_usd: float
    capital_usd: float | None
    """Purchase price of the deployment (TCO pricing only)."""
    revenue_over_cost: float
    basis: str


class Point(BaseModel):
    """One model on one platform at its best deployment."""

    model: str
    params_total_b: float
    params_active_b: float
    moe: bool
    platform: str
    platform_name: str
    unit: str
    """``gpu`` or ``rack (72 GPUs)``: what ``usd_per_unit_hour`` prices."""
    deployment: DeploymentBrief
    usd_per_million_output_tokens: float
    usd_per_million_output_tokens_p10: float
    usd_per_million_output_tokens_p90: float
    usd_per_million_input_tokens: float
    usd_per_million_tokens_blended: float
    tokens_per_dollar: float
    output_tokens_per_s_per_accelerator: float
    output_tokens_per_s_per_accelerator_p10: float
    output_tokens_per_s_per_accelerator_p90: float
    interactivity_tokens_per_s_per_user: float
    ttft_ms: float
    tpot_ms: float
    output_tokens_per_s_per_mw: float | None
    usd_per_hour: float
    usd_per_unit_hour: float
    price: PriceUsed
    bottleneck: str
    rank: int | None = None
    returns: ReturnOut | None = None


class Unmet(BaseModel):
    """A model-platform pair with no deployment that meets the SLO (or that cannot run at all)."""

    model: str
    platform: str
    code: str
    reason: str
    fix: dict | None = None


class Assumptions(BaseModel):
    workload_preset: str | None
    input_tokens: int
    output_tokens: int
    slo_preset: str | None
    ttft_ms: float | None
    tpot_ms: float | None
    min_tokens_per_s_per_user: float | None
    precision: str
    operating_point: str
    price_basis: str
    rack_unit: str
    output_to_input_price_ratio: float
    notes: list[str]


class Ranking(BaseModel):
    model: str
    params_total_b: float
    platforms: list[str]
    """Best first, by USD per million output tokens (= most tokens per dollar)."""
    leader: str | None
    leader_clear: bool
    """The leader's p90 cost is below the runner-up's p10: the order holds across the uncertainty band."""


class Crossing(BaseModel):
    between: tuple[str, str]
    """Two adjacent model sizes (smaller first)."""
    ahead_before: str
    ahead_after: str
    within_uncertainty: bool


class Summary(BaseModel):
    rankings: list[Ranking]
    crossings: list[Crossing]
    leader_by_model: dict[str, str]
    best_as_size_grows: str | None
    """The platform with the most tokens per dollar at the most model sizes (ties: at the larger sizes)."""
    best_as_size_grows_sizes: list[str]
    holds_at_largest: bool
    statement: str


class CurvesResponse(BaseModel):
    kind: Literal["curves"] = "curves"
    models: list[str]
    platforms: list[str]
    assumptions: Assumptions
    points: list[Point]
    unmet: list[Unmet]
    summary: Summary
    catalog_version: int
    engine_version: str


class CompareResponse(BaseModel):
    kind: Literal["compare"] = "compare"
    model: str
    platforms: list[str]
    assumptions: Assumptions
    points: list[Point]
    """Best (cheapest per output token) first."""
    unmet: list[Unmet]
    relative_to_best: dict[str, float]
    """USD per M output tokens of each platform over the best one."""
    catalog_version: int
    engine_version: str


class FrontierPoint(BaseModel):
    platform: str
    deployment: DeploymentBrief
    interactivity_tokens_per_s_per_user: float
    output_tokens_per_s_per_accelerator: float
    output_tokens_per_s_per_accelerator_p10: float
    output_tokens_per_s_per_accelerator_p90: float
    ttft_ms: float
    tpot_ms: float
    usd_per_million_output_tokens: float
    usd_per_million_output_tokens_p10: float
    usd_per_million_output_tokens_p90: float
    tokens_per_dollar: float
    output_tokens_per_s_per_mw: float | None


class FrontierSeries(BaseModel):
    platform: str
    platform_name: str
    price: PriceUsed | None
    points: list[FrontierPoint]
    """Pareto-optimal points, by rising interactivity (no point has both more tokens/s per accelerator
    and more tokens/s per user than another)."""
    swept: int
    """Operating points evaluated for this platform."""


class FrontierResponse(BaseModel):
    kind: Literal["frontier"] = "frontier"
    model: str
    assumptions: Assumptions
    series: list[FrontierSeries]
    unmet: list[Unmet]
    catalog_version: int
    engine_version: str
