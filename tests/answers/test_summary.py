"""Rankings, crossings and the Pareto filter on hand-made points (no database)."""

from __future__ import annotations

from service.answers import schemas as s
from service.answers.service import pareto, summarise
from service.estimates.schemas import PriceUsed


def _point(model: str, size_b: float, platform: str, usd: float, band: float = 0.05) -> s.Point:
    return s.Point(
        model=model, params_total_b=size_b, params_active_b=size_b, moe=False, platform=platform,
        platform_name=platform, unit="gpu",
        deployment=s.DeploymentBrief(precision="fp8", num_accelerators=1, tp=1, pp=1, ep=1, dp=1,
                                     framework="vllm", concurrency=1),
        usd_per_million_output_tokens=usd, usd_per_million_output_tokens_p10=usd * (1 - band),
        usd_per_million_output_tokens_p90=usd * (1 + band), usd_per_million_input_tokens=usd,
        usd_per_million_tokens_blended=usd, tokens_per_dollar=1e6 / usd, output_tokens_per_s_per_accelerator=1.0,
        output_tokens_per_s_per_accelerator_p10=1.0, output_tokens_per_s_per_accelerator_p90=1.0,
        interactivity_tokens_per_s_per_user=20.0, ttft_ms=100.0, tpot_ms=50.0, output_tokens_per_s_per_mw=None,
        usd_per_hour=1.0, usd_per_unit_hour=1.0,
        price=PriceUsed(usd_per_accelerator_hour=1.0, basis="user", source="test"), bottleneck="compute",
    )


def test_rankings_crossings_and_the_platform_that_keeps_the_lead():
    # A is cheapest on small models, B overtakes it from the middle size on and keeps the lead.
    points = [
        _point("small", 8, "A", 0.10), _point("small", 8, "B", 0.20),
        _point("mid", 70, "A", 1.00), _point("mid", 70, "B", 0.50),
        _point("large", 405, "A", 5.00), _point("large", 405, "B", 2.00),
    ]
    summary = summarise(["small", "mid", "large"], points)
    assert [r.platforms for r in summary.rankings] == [["A", "B"], ["B", "A"], ["B", "A"]]
    assert [c.model_dump() for c in summary.crossings] == [
        {"between": ("small", "mid"), "ahead_before": "A", "ahead_after": "B", "within_uncertainty": False}]
    assert summary.best_as_size_grows == "B" and summary.holds_at_largest
    assert summary.best_as_size_grows_sizes == ["mid", "large"]
    assert all(r.leader_clear for r in summary.rankings)
    assert [p.rank for p in points if p.platform == "B"] == [2, 1, 1]


def test_a_crossing_inside_the_bands_is_marked_uncertain():
    points = [_point("small", 8, "A", 1.00, 0.2), _point("small", 8, "B", 1.05, 0.2),
              _point("large", 70, "A", 1.05, 0.2), _point("large", 70, "B", 1.00, 0.2)]
    summary = summarise(["small", "large"], points)
    assert len(summary.crossings) == 1 and summary.crossings[0].within_uncertainty
    assert not summary.rankings[0].leader_clear
    # One size each: the tie goes to the leader at the larger size.
    assert summary.best_as_size_grows == "B"


def _fp(interactivity: float, throughput: float) -> s.FrontierPoint:
    return s.FrontierPoint(
        platform="P", deployment=s.DeploymentBrief(precision="fp8", num_accelerators=1, tp=1, pp=1, ep=1, dp=1,
                                                   framework="vllm", concurrency=1),
        interactivity_tokens_per_s_per_user=interactivity, output_tokens_per_s_per_accelerator=throughput,
        output_tokens_per_s_per_accelerator_p10=throughput, output_tokens_per_s_per_accelerator_p90=throughput,
        ttft_ms=1.0, tpot_ms=1000 / interactivity, usd_per_million_output_tokens=1.0,
        usd_per_million_output_tokens_p10=1.0, usd_per_million_output_tokens_p90=1.0, tokens_per_dollar=1e6,
        output_tokens_per_s_per_mw=None,
    )


def test_pareto_keeps_only_undominated_points_by_rising_interactivity():
    points = [_fp(10, 1000), _fp(20, 800), _fp(15, 700), _fp(40, 100), _fp(40, 90), _fp(5, 900)]
    kept = pareto(points)
    assert [(p.interactivity_tokens_per_s_per_user, p.output_tokens_per_s_per_accelerator) for p in kept] == [
        (10, 1000), (20, 800), (40, 100)]
