"""The answers: cost curves across model sizes, platform comparisons and throughput-interactivity
frontiers, built from the same estimate and pricing path as ``POST /v1/estimate``.

Every point of a curve or comparison is one ``POST /v1/estimate`` body (maximum throughput that meets
the SLO, best deployment chosen by the engine), answered through the shared results cache, so a curve
and a later single estimate reuse each other's work. Frontier points are fixed-concurrency estimates
over the valid deployments of each platform.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from service import engine as estimator
from service.answers import schemas as s
from service.cache import ResultsCache
from service.catalog.service import not_found
from service.engine.cost import HOURS_PER_YEAR, revenue_over_period
from service.engine.specs import Scenario, Workload
from service.estimates import schemas as es
from service.estimates.pricing import has_price, resolve_price
from service.estimates.service import (
    EngineContext,
    Resolved,
    cached_estimate,
    price_estimate,
    resolve_ids,
    resolve_slo,
    run_engine,
)
from service.problems import Problem

DEFAULT_LADDER: tuple[str, ...] = (
    "llama-3.1-8b",
    "gpt-oss-20b",
    "qwen3-32b",
    "mixtral-8x7b",
    "llama-3.1-70b",
    "gpt-oss-120b",
    "qwen3-235b-a22b",
    "llama-4-maverick-17b-128e",
    "llama-3.1-405b",
    "deepseek-r1",
)
"""The default model ladder: dense and mixture-of-experts models from 8B to 671B total parameters.
Where a catalog lacks one of them, :func:`default_models` fills the ladder from the catalog itself."""

MIN_LADDER = 8


# --- defaults -----------------------------------------------------------------------------------


def default_models(context: EngineContext) -> list[str]:
    """The ladder ids the catalog holds; topped up with the catalog's other models spread over sizes
    when fewer than :data:`MIN_LADDER` remain."""
    models = context.snapshot.models
    chosen = [m for m in DEFAULT_LADDER if m in models]
    if len(chosen) < MIN_LADDER:
        rest = sorted((m for m in models.values() if m.id not in chosen), key=lambda m: m.params_total)
        step = max(1, len(rest) // max(1, MIN_LADDER - len(chosen)))
        chosen += [m.id for m in rest[::step]][: MIN_LADDER - len(chosen)]
    return sorted(chosen, key=lambda m: (models[m].params_total, m))


def default_platforms(context: EngineContext) -> list[str]:
    """Every per-accelerator platform the catalog has a price for (rack rows are their GPUs)."""
    snapshot = context.snapshot
    return [pid for pid in snapshot.platforms if has_price(snapshot, pid)]


def _unit_ids(context: EngineContext, platform_ids: Iterable[str], rack_unit: str) -> list[str]:
    """Validate ids (404 with suggestions) and express each in the requested costing unit:
    ``gpu`` maps a rack row to its GPU; ``rack`` maps a GPU that has a rack row to the rack."""
    snapshot = context.snapshot
    rack_of = {gpu: rack for rack, (gpu, _) in snapshot.racks.items()}
    out: list[str] = []
    for pid in platform_ids:
        if pid in snapshot.racks:
            unit = snapshot.racks[pid][0] if rack_unit == "gpu" else pid
        elif pid in snapshot.platforms:
            unit = rack_of.get(pid, pid) if rack_unit == "rack" else pid
        else:
            raise not_found("platform", pid, snapshot.platform_rows)
        if unit not in out:
            out.append(unit)
    return out


def _model_ids(context: EngineContext, model_ids: Iterable[str]) -> list[str]:
    models = context.snapshot.models
    out: list[str] = []
    for mid in model_ids:
        if mid not in models:
            raise not_found("model", mid, models)
        if mid not in out:
            out.append(mid)
    return out


def _slo_in(slo: es.SloIn | None) -> es.SloIn:
    return slo if slo is not None else es.SloIn(**s.DEFAULT_SLO)


# --- assumptions --------------------------------------------------------------------------------


def _price_basis(pricing: es.PricingIn | None) -> str:
    p = pricing or es.PricingIn()
    if p.usd_per_accelerator_hour is not None:
        return f"user price {p.usd_per_accelerator_hour:g} USD per accelerator-hour on every platform"
    if p.tco is not None:
        t = p.tco
        return (f"TCO build-up: {t.amortisation_years:g}-year amortisation, {t.utilisation:.0%} utilisation, "
                f"PUE {t.pue:g}, {t.usd_per_kwh:g} USD/kWh, {t.other_opex_usd_per_accelerator_year:g} USD/yr opex")
    narrowed = ", ".join(x for x in (p.provider, p.pricing_type) if x)
    return ("catalog price: median on-demand USD per accelerator-hour across providers "
            "(all-in neocloud TCO figure where no rental price is catalogued)"
            + (f", narrowed to {narrowed}" if narrowed else ""))


def _assumptions(
    context: EngineContext,
    *,
    workload: es.WorkloadIn,
    slo_in: es.SloIn | None,
    precision: str | None,
    pricing: es.PricingIn | None,
    rack_unit: str,
    operating_point: str,
    notes: list[str],
) -> s.Assumptions:
    slo = resolve_slo(context, slo_in) if slo_in is not None else None
    preset = workload.preset
    if preset and es.WORKLOAD_PRESETS[preset] != {"input_tokens": workload.input_tokens,
                                                  "output_tokens": workload.output_tokens}:
        preset = f"{preset} (overridden)"
    return s.Assumptions(
        workload_preset=preset,
        input_tokens=workload.input_tokens or 0,
        output_tokens=workload.output_tokens or 0,
        slo_preset=slo_in.preset if slo_in else None,
        ttft_ms=slo.ttft_ms if slo else None,
        tpot_ms=slo.tpot_ms if slo else None,
        min_tokens_per_s_per_user=(1000.0 / slo.tpot_ms) if slo and slo.tpot_ms else None,
        precision=precision or "each platform's lowest native floating-point precision (fp4 > fp8 > bf16)",
        operating_point=operating_point,
        price_basis=_price_basis(pricing),
        rack_unit="whole 72-GPU racks (GB200/GB300 NVL72)" if rack_unit == "rack" else "per GPU",
        output_to_input_price_ratio=(pricing or es.PricingIn()).output_to_input_price_ratio,
        notes=notes,
    )


def workload_label(a: s.Assumptions) -> str:
    name = f"{a.workload_preset} " if a.workload_preset else ""
    return f"{name}{a.input_tokens:,} in / {a.output_tokens:,} out"


def slo_label(a: s.Assumptions) -> str:
    parts = []
    if a.min_tokens_per_s_per_user:
        parts.append(f">= {a.min_tokens_per_s_per_user:.4g} tok/s/user")
    if a.ttft_ms:
        parts.append(f"TTFT <= {a.ttft_ms:,.0f} ms")
    label = ", ".join(parts) or "no latency limit"
    return f"{a.slo_preset} ({label})" if a.slo_preset else label


_COMMON_NOTES = [
    "USD per million output tokens carries the whole deployment cost on output tokens (as published "
    "cost-per-token figures do); input tokens likewise; blended prices output at the given ratio to input.",
    "Bands are p10-p90 of the engine's calibration residuals for the platform's scope.",
    "Power: catalogued all-in facility kW per accelerator (host, network, cooling), else TDP x 2.2.",
]


# --- points -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Outcome:
    point: s.Point | None
    unmet: s.Unmet | None


def _returns(
    returns: s.ReturnIn | None, pricing: es.PricingIn | None, response: es.EstimateResponse
) -> s.ReturnOut | None:
    if returns is None:
        return None
    tco = pricing.tco if pricing else None
    years = returns.years or (tco.amortisation_years if tco else 4.0)
    utilisation = returns.utilisation or (tco.utilisation if tco else 0.8)
    revenue = revenue_over_period(
        output_tokens_per_s=response.throughput.output_tokens_per_s,
        usd_per_million_tokens_price=returns.usd_per_million_tokens_price,
        years=years,
        utilisation=utilisation,
    )
    price = response.cost.price
    n = response.deployment.num_accelerators
    if price.basis == "tco":
        # A TCO price is per serving hour, so the period costs it for the serving hours only; that is
        # the whole purchase plus the energy drawn while serving plus the yearly opex.
        hours = HOURS_PER_YEAR * years * utilisation
        basis = "TCO: purchase + energy while serving + other opex over the period"
        capital = price.components.get("purchase_usd_per_accelerator", 0.0) * n
    else:
        # A rented or all-in price is paid for every hour of the period, serving or not.
        hours = HOURS_PER_YEAR * years
        basis = f"{price.basis} price paid for every hour of the period"
        capital = None
    cost = response.cost.usd_per_hour * hours
    return s.ReturnOut(
        years=years,
        utilisation=utilisation,
        usd_per_million_tokens_price=returns.usd_per_million_tokens_price,
        revenue_usd=revenue,
        infrastructure_cost_usd=cost,
        capital_usd=capital,
        revenue_over_cost=revenue / cost if cost > 0 else math.inf,
        basis=basis,
    )


def _to_point(
    context: EngineContext,
    response: es.EstimateResponse,
    *,
    unit_size: int,
    pricing: es.PricingIn | None,
    returns: s.ReturnIn | None,
) -> s.Point:
    snapshot = context.snapshot
    model = snapshot.models[response.model]
    name = _platform_name(context, response.platform)
    d, tp, cost = response.deployment, response.throughput, response.cost
    return s.Point(
        model=response.model,
        params_total_b=model.params_total / 1e9,
        params_active_b=model.params_active / 1e9,
        moe=model.is_moe,
        platform=response.platform,
        platform_name=name,
        unit="gpu" if unit_size == 1 else f"rack ({unit_size} GPUs)",
        deployment=s.DeploymentBrief(
            precision=d.precision, num_accelerators=d.num_accelerators, tp=d.tp, pp=d.pp, ep=d.ep, dp=d.dp,
            framework=d.framework, concurrency=d.concurrency,
        ),
        usd_per_million_output_tokens=cost.usd_per_million_output_tokens,
        usd_per_million_output_tokens_p10=cost.usd_per_million_output_tokens_p10,
        usd_per_million_output_tokens_p90=cost.usd_per_million_output_tokens_p90,
        usd_per_million_input_tokens=cost.usd_per_million_input_tokens,
        usd_per_million_tokens_blended=cost.usd_per_million_tokens_blended,
        tokens_per_dollar=cost.tokens_per_dollar,
        output_tokens_per_s_per_accelerator=tp.output_tokens_per_s_per_accelerator,
        output_tokens_per_s_per_accelerator_p10=tp.output_tokens_per_s_per_accelerator_p10,
        output_tokens_per_s_per_accelerator_p90=tp.output_tokens_per_s_per_accelerator_p90,
        interactivity_tokens_per_s_per_user=tp.interactivity_tokens_per_s_per_user,
        ttft_ms=response.latency.ttft_ms,
        tpot_ms=response.latency.tpot_ms,
        output_tokens_per_s_per_mw=response.power.output_tokens_per_s_per_mw,
        usd_per_hour=cost.usd_per_hour,
        usd_per_unit_hour=cost.price.usd_per_accelerator_hour * unit_size,
        price=cost.price,
        bottleneck=response.bottleneck,
        returns=_returns(returns, pricing, response),
    )


def _platform_name(context: EngineContext, platform_id: str) -> str:
    snapshot = context.snapshot
    if platform_id in snapshot.platforms:
        return snapshot.platforms[platform_id].name
    if platform_id in snapshot.racks:
        gpu, n = snapshot.racks[platform_id]
        return f"{snapshot.platforms[gpu].name} x {n} (rack)"
    return platform_id


def _point_request(model_id: str, platform_id: str, body: s.AnswerBase, slo_in: es.SloIn) -> es.EstimateRequest:
    return es.EstimateRequest(
        model=model_id,
        platform=platform_id,
        precision=body.precision,
        framework=body.framework,
        workload=es.WorkloadIn(
            preset=body.workload.preset,
            input_tokens=body.workload.input_tokens,
            output_tokens=body.workload.output_tokens,
        ),
        slo=slo_in,
        pricing=body.pricing,
    )


def _evaluate_point(
    context: EngineContext, cache: ResultsCache, model_id: str, platform_id: str, body: s.AnswerBase,
    slo_in: es.SloIn,
) -> _Outcome:
    """One best deployment through the shared estimate path; a point that cannot run or cannot meet
    the SLO comes back as :class:`Unmet` with the engine's reason."""
    request = _point_request(model_id, platform_id, body, slo_in)
    try:
        _, payload, _ = cached_estimate(context, cache, request)
    except Problem as problem:
        if problem.status == 404:
            raise
        fix = problem.extra.get("fix")
        return _Outcome(None, s.Unmet(model=model_id, platform=platform_id, code=problem.code,
                                      reason=problem.detail, fix=fix if isinstance(fix, dict) else None))
    response = es.EstimateResponse.model_validate_json(payload)
    if response.cost is None:
        return _Outcome(None, s.Unmet(
            model=model_id, platform=platform_id, code="no-price",
            reason=f"the catalog has no price for {platform_id}; give pricing.usd_per_accelerator_hour, "
                   "pricing.tco or pricing.tco_table",
        ))
    if response.slo is not None and not response.slo.met:
        return _Outcome(None, s.Unmet(
            model=model_id, platform=platform_id, code="slo-unreachable",
            reason=f"best deployment reaches TTFT {response.latency.ttft_ms:.0f} ms and TPOT "
                   f"{response.latency.tpot_ms:.1f} ms, outside the SLO",
        ))
    unit = context.snapshot.racks[platform_id][1] if platform_id in context.snapshot.racks else 1
    return _Outcome(_to_point(context, response, unit_size=unit, pricing=body.pricing, returns=body.returns), None)


def _basis_notes(points: list[s.Point]) -> list[str]:
    """A warning when platforms are priced on different bases (rental list prices against all-in TCO
    figures), which moves rankings more than most hardware differences do."""
    bases: dict[str, set[str]] = {}
    for p in points:
        bases.setdefault(p.price.basis, set()).add(p.platform)
    if len(bases) < 2:
        return []
    parts = [f"{basis}: {', '.join(sorted(ids))}" for basis, ids in sorted(bases.items())]
    return ["Price bases differ between platforms (" + "; ".join(parts) + "); 'tco-table' is the all-in "
            "neocloud cost of platforms with no catalogued rental price, usually below rental list prices. "
            "To rank on one basis give pricing.tco_table (e.g. \"neocloud\": the all-in TCO table for the "
            "platforms it covers), pricing.usd_per_accelerator_hour or a TCO build-up."]


# --- curves -------------------------------------------------------------------------------------


def _overlap(a: s.Point, b: s.Point) -> bool:
    return a.usd_per_million_output_tokens_p10 <= b.usd_per_million_output_tokens_p90 and \
        b.usd_per_million_output_tokens_p10 <= a.usd_per_million_output_tokens_p90


def summarise(model_order: list[str], points: list[s.Point]) -> s.Summary:
    """Rankings per model size (cheapest per output token first), crossings between adjacent sizes,
    and the platform that keeps the most tokens per dollar as size grows."""
    by_model: dict[str, list[s.Point]] = {m: [] for m in model_order}
    for p in points:
        by_model[p.model].append(p)
    rankings: list[s.Ranking] = []
    for m in model_order:
        ranked = sorted(by_model[m], key=lambda p: (p.usd_per_million_output_tokens, p.platform))
        for i, p in enumerate(ranked, start=1):
            p.rank = i
        by_model[m] = ranked
        clear = len(ranked) == 1 or (
            len(ranked) > 1
            and ranked[0].usd_per_million_output_tokens_p90 < ranked[1].usd_per_million_output_tokens_p10
        )
        rankings.append(s.Ranking(
            model=m,
            params_total_b=ranked[0].params_total_b if ranked else 0.0,
            platforms=[p.platform for p in ranked],
            leader=ranked[0].platform if ranked else None,
            leader_clear=bool(ranked) and clear,
        ))
    crossings: list[s.Crossing] = []
    sized = [m for m in model_order if by_model[m]]
    for small, large in zip(sized, sized[1:], strict=False):
        before = {p.platform: p for p in by_model[small]}
        after = {p.platform: p for p in by_model[large]}
        common = [p for p in before if p in after]
        for i, a in enumerate(common):
            for b in common[i + 1:]:
                ab_before = before[a].usd_per_million_output_tokens < before[b].usd_per_million_output_tokens
                ab_after = after[a].usd_per_million_output_tokens < after[b].usd_per_million_output_tokens
                if ab_before == ab_after:
                    continue
                first, second = (a, b) if ab_before else (b, a)
                crossings.append(s.Crossing(
                    between=(small, large), ahead_before=first, ahead_after=second,
                    within_uncertainty=_overlap(before[a], before[b]) or _overlap(after[a], after[b]),
                ))
    leader_by_model = {r.model: r.leader for r in rankings if r.leader}
    best, sizes, holds = None, [], False
    if leader_by_model:
        counts: dict[str, list[int]] = {}
        for idx, m in enumerate(sized):
            counts.setdefault(leader_by_model[m], []).append(idx)
        best = max(counts, key=lambda p: (len(counts[p]), max(counts[p]), sum(counts[p])))
        sizes = [m for m in sized if leader_by_model[m] == best]
        holds = leader_by_model[sized[-1]] == best
    statement = _statement(best, sizes, sized, holds, leader_by_model, crossings, rankings)
    return s.Summary(
        rankings=rankings, crossings=crossings, leader_by_model=leader_by_model,
        best_as_size_grows=best, best_as_size_grows_sizes=sizes, holds_at_largest=holds, statement=statement,
    )


def _statement(best, sizes, sized, holds, leaders, crossings, rankings) -> str:
    if best is None:
        return "No model-platform pair meets the SLO."
    text = (f"{best} gives the most output tokens per dollar at {len(sizes)} of {len(sized)} model sizes"
            + (" and still leads at the largest." if holds else f"; at the largest, {leaders[sized[-1]]} leads."))
    others = sorted({leaders[m] for m in sized} - {best})
    if others:
        text += " Other leaders: " + ", ".join(
            f"{p} ({', '.join(m for m in sized if leaders[m] == p)})" for p in others) + "."
    unclear = [r.model for r in rankings if r.leader and not r.leader_clear]
    if unclear:
        text += f" The lead is within the uncertainty band at {', '.join(unclear)}."
    firm = [c for c in crossings if not c.within_uncertainty]
    text += f" {len(crossings)} ranking crossings between adjacent sizes ({len(firm)} outside the bands)."
    return text


def _sweep(
    context: EngineContext, cache: ResultsCache, pairs: list[tuple[str, str]], body: s.AnswerBase,
    slo_in: es.SloIn,
) -> tuple[list[s.Point], list[s.Unmet]]:
    """The best point of each (model, platform) pair, or why it has none."""
    points: list[s.Point] = []
    unmet: list[s.Unmet] = []
    for model, platform in pairs:
        outcome = _evaluate_point(context, cache, model, platform, body, slo_in)
        if outcome.point is not None:
            points.append(outcome.point)
        elif outcome.unmet is not None:
            unmet.append(outcome.unmet)
    return points, unmet


def compute_curves(context: EngineContext, cache: ResultsCache, body: s.CurvesRequest) -> s.CurvesResponse:
    models = _model_ids(context, body.models) if body.models else default_models(context)
    platforms = _unit_ids(context, body.platforms or default_platforms(context), body.rack_unit)
    n_points = len(models) * len(platforms)
    if n_points > s.MAX_CURVE_POINTS:
        raise Problem(
            422, "too-many-points",
            f"{len(models)} models x {len(platforms)} platforms = {n_points} points; one sweep answers at most "
            f"{s.MAX_CURVE_POINTS}. Split the request or name fewer models or platforms.",
            max_points=s.MAX_CURVE_POINTS, points=n_points,
        )
    models = sorted(models, key=lambda m: (context.snapshot.models[m].params_total, m))
    slo_in = _slo_in(body.slo)
    resolve_slo(context, slo_in)  # 404 for an unknown preset before the sweep
    points, unmet = _sweep(context, cache, [(m, p) for m in models for p in platforms], body, slo_in)
    summary = summarise(models, points)
    points.sort(key=lambda p: (models.index(p.model), p.rank or 0))
    notes = _COMMON_NOTES + _basis_notes(points)
    if len(notes) > len(_COMMON_NOTES):
        summary.statement += " " + notes[-1]
    assumptions = _assumptions(
        context, workload=body.workload, slo_in=slo_in, precision=body.precision, pricing=body.pricing,
        rack_unit=body.rack_unit,
        operating_point="per point: the deployment (accelerator count, tp/pp/ep/dp) and concurrency with the "
        "highest output tokens/s per accelerator that meets the SLO",
        notes=notes,
    )
    return s.CurvesResponse(
        models=models, platforms=platforms, assumptions=assumptions, points=points, unmet=unmet,
        summary=summary, catalog_version=context.version, engine_version=estimator.ENGINE_VERSION,
    )


# --- compare ------------------------------------------------------------------------------------


def compute_compare(context: EngineContext, cache: ResultsCache, body: s.CompareRequest) -> s.CompareResponse:
    (model,) = _model_ids(context, [body.model])
    platforms = _unit_ids(context, body.platforms or default_platforms(context), body.rack_unit)
    if len(platforms) > s.MAX_COMPARE_PLATFORMS:
        raise Problem(422, "too-many-points",
                      f"{len(platforms)} platforms; a comparison answers at most {s.MAX_COMPARE_PLATFORMS}.",
                      max_points=s.MAX_COMPARE_PLATFORMS, points=len(platforms))
    slo_in = _slo_in(body.slo)
    resolve_slo(context, slo_in)
    points, unmet = _sweep(context, cache, [(model, p) for p in platforms], body, slo_in)
    points.sort(key=lambda p: (p.usd_per_million_output_tokens, p.platform))
    for i, p in enumerate(points, start=1):
        p.rank = i
    notes = _COMMON_NOTES + _basis_notes(points)
    best = points[0].usd_per_million_output_tokens if points else None
    relative = {p.platform: p.usd_per_million_output_tokens / best for p in points} if best else {}
    assumptions = _assumptions(
        context, workload=body.workload, slo_in=slo_in, precision=body.precision, pricing=body.pricing,
        rack_unit=body.rack_unit,
        operating_point="per platform: the deployment and concurrency with the highest output tokens/s per "
        "accelerator that meets the SLO",
        notes=notes,
    )
    return s.CompareResponse(
        model=model, platforms=platforms, assumptions=assumptions, points=points, unmet=unmet,
        relative_to_best=relative, catalog_version=context.version, engine_version=estimator.ENGINE_VERSION,
    )


# --- frontier -----------------------------------------------------------------------------------


def pareto(points: list[s.FrontierPoint]) -> list[s.FrontierPoint]:
    """Points not dominated in (interactivity, output tokens/s per accelerator), by rising interactivity.

    Scanning from the most interactive down, a point is kept only if it has strictly more throughput
    than every more-interactive point kept so far."""
    ordered = sorted(points, key=lambda p: (-p.interactivity_tokens_per_s_per_user,
                                            -p.output_tokens_per_s_per_accelerator))
    kept: list[s.FrontierPoint] = []
    best = -math.inf
    for p in ordered:
        if p.output_tokens_per_s_per_accelerator > best:
            kept.append(p)
            best = p.output_tokens_per_s_per_accelerator
    kept.reverse()
    return kept


def _frontier_platform(
    context: EngineContext, body: s.FrontierRequest, resolved: Resolved, concurrencies: list[int]
) -> tuple[s.FrontierSeries | None, s.Unmet | None]:
    model, platform = resolved.model, resolved.platform
    try:
        price = resolve_price(context.snapshot, platform.id, body.pricing)
    except Problem as problem:
        return None, s.Unmet(model=model.id, platform=resolved.platform_id, code=problem.code, reason=problem.detail)
    precision = body.precision or estimator.default_precision(platform)
    if precision not in estimator.native_precisions(platform):
        return None, s.Unmet(model=model.id, platform=resolved.platform_id, code="precision-unsupported",
                             reason=f"{platform.name} does not run {precision} natively")
    context_tokens = (body.workload.input_tokens or 0) + (body.workload.output_tokens or 0)
    num = body.num_accelerators or (resolved.accelerators_per_unit if resolved.accelerators_per_unit > 1 else None)
    deployments = estimator.candidate_deployments(
        model, platform, precision, num_accelerators=num, context_tokens=context_tokens
    )
    if not deployments:
        return None, s.Unmet(model=model.id, platform=resolved.platform_id, code="does-not-fit",
                             reason=f"{model.id} at {precision} with a {context_tokens}-token sequence does not fit "
                                    f"on {num or 'up to 1024'} x {platform.name}")
    swept: list[s.FrontierPoint] = []
    last_error: Problem | None = None
    pricing = (body.pricing.model_copy(update={"usd_per_accelerator_hour": price.usd_per_accelerator_hour,
                                               "tco": None}) if body.pricing else
               es.PricingIn(usd_per_accelerator_hour=price.usd_per_accelerator_hour))
    for n, par in deployments:
        for c in concurrencies:
            scenario = Scenario(
                workload=Workload(input_tokens=body.workload.input_tokens or 0,
                                  output_tokens=body.workload.output_tokens or 0,
                                  concurrency=c * (par.dp or 1)),
                precision=precision, num_accelerators=n, parallelism=par, framework=body.framework,
            )
            try:
                result = run_engine(context, resolved, scenario)
            except Problem as problem:
                last_error = problem
                continue
            if result.latency.tpot_ms <= 0 or result.memory.max_concurrent_sequences < result.deployment.concurrency:
                # Requests beyond what memory holds only queue: same throughput, worse TTFT.
                continue
            cost, power = price_estimate(context, resolved, result, pricing)
            assert cost is not None, "the price was resolved before the sweep"
            d, tp = result.deployment, result.throughput
            band = result.output_tokens_per_s_per_accelerator_band
            swept.append(s.FrontierPoint(
                platform=resolved.platform_id,
                deployment=s.DeploymentBrief(precision=d.precision, num_accelerators=d.num_accelerators, tp=d.tp,
                                             pp=d.pp, ep=d.ep, dp=d.dp, framework=d.framework,
                                             concurrency=d.concurrency),
                interactivity_tokens_per_s_per_user=tp.interactivity_tokens_per_s_per_user,
                output_tokens_per_s_per_accelerator=tp.output_tokens_per_s_per_accelerator,
                output_tokens_per_s_per_accelerator_p10=band.p10,
                output_tokens_per_s_per_accelerator_p90=band.p90,
                ttft_ms=result.latency.ttft_ms,
                tpot_ms=result.latency.tpot_ms,
                usd_per_million_output_tokens=cost.usd_per_million_output_tokens,
                usd_per_million_output_tokens_p10=cost.usd_per_million_output_tokens_p10,
                usd_per_million_output_tokens_p90=cost.usd_per_million_output_tokens_p90,
                tokens_per_dollar=cost.tokens_per_dollar,
                output_tokens_per_s_per_mw=power.output_tokens_per_s_per_mw,
            ))
    if not swept:
        reason = last_error.detail if last_error else "no operating point fits in memory"
        return None, s.Unmet(model=model.id, platform=resolved.platform_id, code="no-operating-point", reason=reason)
    return s.FrontierSeries(
        platform=resolved.platform_id,
        platform_name=_platform_name(context, resolved.platform_id),
        price=price,
        points=pareto(swept),
        swept=len(swept),
    ), None


def compute_frontier(context: EngineContext, body: s.FrontierRequest) -> s.FrontierResponse:
    (model,) = _model_ids(context, [body.model])
    platforms = list(dict.fromkeys(body.platforms or default_platforms(context)))
    concurrencies = sorted(set(body.concurrencies or s.DEFAULT_CONCURRENCIES))
    n_points = len(platforms) * len(concurrencies)
    if n_points > s.MAX_FRONTIER_POINTS:
        raise Problem(
            422, "too-many-points",
            f"{len(platforms)} platforms x {len(concurrencies)} concurrency levels = {n_points} sweep points; one "
            f"frontier answers at most {s.MAX_FRONTIER_POINTS}. Name fewer platforms or concurrency levels.",
            max_points=s.MAX_FRONTIER_POINTS, points=n_points,
        )
    resolved = [resolve_ids(context, model, p) for p in platforms]
    series: list[s.FrontierSeries] = []
    unmet: list[s.Unmet] = []
    for r in resolved:
        one, miss = _frontier_platform(context, body, r, concurrencies)
        if one is not None:
            series.append(one)
        if miss is not None:
            unmet.append(miss)
    assumptions = _assumptions(
        context, workload=body.workload, slo_in=None, precision=body.precision, pricing=body.pricing,
        rack_unit="gpu",
        operating_point=f"fixed concurrency per replica in {concurrencies} on every valid deployment "
        "(fewest accelerators that fit and two doublings, every tp/pp/ep/dp); the Pareto frontier is kept",
        notes=_COMMON_NOTES,
    )
    return s.FrontierResponse(
        model=model, assumptions=assumptions, series=series, unmet=unmet,
        catalog_version=context.version, engine_version=estimator.ENGINE_VERSION,
    )


__all__ = [
    "DEFAULT_LADDER",
    "compute_compare",
    "compute_curves",
    "compute_frontier",
    "default_models",
    "default_platforms",
    "pareto",
    "summarise",
]
