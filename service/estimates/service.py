"""From an estimate request to its answer: resolve ids against the catalog snapshot, run the engine,
price the result, and cache the serialised answer."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from service import engine as estimator
from service.cache import ResultsCache, cache_key
from service.catalog.repository import catalog_version_dbapi
from service.catalog.service import not_found
from service.catalog.snapshot import CatalogSnapshot, catalog_version, load_snapshot
from service.engine.cost import cost_figures, power_figures
from service.engine.specs import EngineError, Estimate, Parallelism, Scenario, Slo, Workload
from service.estimates import schemas
from service.estimates.pricing import has_price, resolve_price
from service.problems import Problem


@dataclass(frozen=True)
class EngineContext:
    """The catalog as the engine sees it at one catalog version."""

    snapshot: CatalogSnapshot
    efficiencies: estimator.EfficiencyTable

    @property
    def version(self) -> int:
        return self.snapshot.version


class ContextHolder:
    """Keeps the context of the newest catalog version; reloads when a write has bumped it.

    The version is read from the database (one primary-key SELECT) at most once per
    ``VERSION_CHECK_INTERVAL_S`` on the event loop's hot path, and on every call of ``current()``.
    A catalog write through this instance invalidates at once (the request's session dependency calls
    ``invalidate()`` after its commit), so the next estimate sees it; a write by another process is
    seen within the interval, which is shorter than one request takes under load."""

    VERSION_CHECK_INTERVAL_S = 0.002

    def __init__(self, engine: Engine, make_session: sessionmaker[Session]) -> None:
        self._engine = engine
        self._make_session = make_session
        self._context: EngineContext | None = None
        self._lock = threading.Lock()
        self._loop_connection: Any = None
        self._checked_at = -math.inf
        self._generation = 0

    def invalidate(self) -> None:
        self._generation += 1
        self._checked_at = -math.inf

    def _mark_checked(self, at: float, generation: int) -> None:
        # A check that started before an invalidation does not vouch for the catalog after it.
        if generation == self._generation:
            self._checked_at = at

    async def current_async(self) -> EngineContext:
        """``current()`` from the event loop. On an SQLite file the version is read inline through a
        connection kept for the event loop (a local read of a few microseconds; a plain SELECT in
        autocommit sees every committed write); across the network it runs in the thread pool."""
        now, generation = time.monotonic(), self._generation
        context = self._context
        if context is not None and now - self._checked_at < self.VERSION_CHECK_INTERVAL_S:
            return context
        if self._engine.dialect.name != "sqlite":
            return await run_in_threadpool(self.current)
        if self._loop_connection is None:
            self._loop_connection = self._engine.raw_connection()
        version = catalog_version_dbapi(self._loop_connection)
        if context is not None and context.version == version:
            self._mark_checked(now, generation)
            return context
        return await run_in_threadpool(self.current)

    def close(self) -> None:
        if self._loop_connection is not None:
            self._loop_connection.close()
            self._loop_connection = None

    def current(self) -> EngineContext:
        checked_at, generation = time.monotonic(), self._generation
        with self._engine.connect() as connection:
            version = catalog_version(connection)
        self._mark_checked(checked_at, generation)
        context = self._context
        if context is not None and context.version == version:
            return context
        with self._lock:
            if self._context is not None and self._context.version == version:
                return self._context
            with self._make_session() as session:
                snapshot = load_snapshot(session)
            self._context = EngineContext(snapshot, estimator.EfficiencyTable.from_rows(snapshot.efficiency_rows))
            return self._context


@dataclass(frozen=True)
class Resolved:
    """The ids of a request resolved against the catalog."""

    model: Any
    platform: Any
    platform_id: str
    """The requested id (a rack row stays a rack row here)."""
    accelerators_per_unit: int


def resolve_ids(context: EngineContext, model_id: str, platform_id: str) -> Resolved:
    snapshot = context.snapshot
    model = snapshot.models.get(model_id)
    if model is None:
        raise not_found("model", model_id, snapshot.models)
    if platform_id in snapshot.racks:
        unit_id, per_unit = snapshot.racks[platform_id]
        return Resolved(model, snapshot.platforms[unit_id], platform_id, per_unit)
    platform = snapshot.platforms.get(platform_id)
    if platform is None:
        raise not_found("platform", platform_id, snapshot.platform_rows)
    return Resolved(model, platform, platform_id, 1)


def resolve_slo(context: EngineContext, slo: schemas.SloIn | None) -> Slo | None:
    if slo is None:
        return None
    ttft, tpot = None, None
    if slo.preset is not None:
        preset = context.snapshot.slo_presets.get(slo.preset)
        if preset is None:
            raise not_found("SLO preset", slo.preset, context.snapshot.slo_presets)
        ttft, tpot = preset["ttft_ms"], preset["tpot_ms"]
    if slo.ttft_ms is not None:
        ttft = slo.ttft_ms
    if slo.tpot_ms is not None:
        tpot = slo.tpot_ms
    if slo.min_tokens_per_s_per_user is not None:
        floor_tpot = 1000.0 / slo.min_tokens_per_s_per_user
        tpot = floor_tpot if tpot is None else min(tpot, floor_tpot)
    if ttft is None and tpot is None:
        return None
    return Slo(ttft_ms=ttft, tpot_ms=tpot)


def engine_problem(exc: EngineError) -> Problem:
    return Problem(422, exc.code.replace("_", "-"), exc.reason, title="Deployment cannot run", fix=exc.fix or None)


def build_scenario(
    request: schemas.EstimateRequest, resolved: Resolved, slo: Slo | None
) -> Scenario:
    workload = request.workload
    num_accelerators = request.num_accelerators
    if num_accelerators is None and resolved.accelerators_per_unit > 1:
        num_accelerators = resolved.accelerators_per_unit
    p = request.parallelism
    return Scenario(
        workload=Workload(
            input_tokens=workload.input_tokens or 0,
            output_tokens=workload.output_tokens or 0,
            concurrency=workload.concurrency,
            request_rate_per_s=workload.request_rate_per_s,
        ),
        precision=request.precision,
        num_accelerators=num_accelerators,
        parallelism=Parallelism(tp=p.tp, pp=p.pp, ep=p.ep, dp=p.dp),
        framework=request.framework,
        slo=slo,
    )


def run_engine(context: EngineContext, resolved: Resolved, scenario: Scenario) -> Estimate:
    try:
        return estimator.estimate(resolved.model, resolved.platform, scenario, context.efficiencies)
    except EngineError as exc:
        raise engine_problem(exc) from exc


def price_estimate(
    context: EngineContext,
    resolved: Resolved,
    result: Estimate,
    pricing: schemas.PricingIn | None,
) -> tuple[schemas.CostOut | None, schemas.PowerOut]:
    """Cost and power of an estimate. Cost is None when the catalog has no price for the platform and
    the request names no pricing; a pricing the request names but the catalog cannot meet is a 422."""
    snapshot = context.snapshot
    platform = resolved.platform
    n = result.deployment.num_accelerators
    tp = result.throughput
    power = power_figures(
        num_accelerators=n,
        output_tokens_per_s=tp.output_tokens_per_s,
        all_in_kw_per_accelerator=snapshot.tco.get(platform.id, {}).get("all_in_kw_per_accelerator"),
        tdp_w=platform.tdp_w,
    )
    power_out = (
        schemas.PowerOut(kw=None, kw_per_accelerator=None, output_tokens_per_s_per_mw=None,
                         basis=f"no power figure is published for {platform.id}")
        if power is None
        else schemas.PowerOut(kw=power.kw, kw_per_accelerator=power.kw_per_accelerator,
                              output_tokens_per_s_per_mw=power.output_tokens_per_s_per_mw, basis=power.basis)
    )
    if pricing is None and not has_price(snapshot, platform.id):
        return None, power_out
    price = resolve_price(snapshot, platform.id, pricing)
    ratio = (pricing or schemas.PricingIn()).output_to_input_price_ratio
    figures = cost_figures(
        usd_per_accelerator_hour=price.usd_per_accelerator_hour,
        num_accelerators=n,
        output_tokens_per_s=tp.output_tokens_per_s,
        input_tokens_per_s=tp.input_tokens_per_s,
        output_to_input_price_ratio=ratio,
    )
    band = result.output_tokens_per_s_per_accelerator_band
    per_m = lambda per_accel: price.usd_per_accelerator_hour / max(per_accel, 1e-12) / 0.0036  # noqa: E731
    cost = schemas.CostOut(
        usd_per_hour=figures.usd_per_hour,
        usd_per_million_output_tokens=figures.usd_per_million_output_tokens,
        usd_per_million_input_tokens=figures.usd_per_million_input_tokens,
        usd_per_million_tokens_blended=figures.usd_per_million_tokens_blended,
        tokens_per_dollar=figures.tokens_per_dollar,
        usd_per_million_output_tokens_p10=per_m(band.p90),
        usd_per_million_output_tokens_p90=per_m(band.p10),
        price=price,
    )
    return cost, power_out


def compute_estimate(context: EngineContext, request: schemas.EstimateRequest) -> schemas.EstimateResponse:
    resolved = resolve_ids(context, request.model, request.platform)
    slo = resolve_slo(context, request.slo)
    scenario = build_scenario(request, resolved, slo)
    result = run_engine(context, resolved, scenario)
    cost, power = price_estimate(context, resolved, result, request.pricing)
    d, m, lat, tp = result.deployment, result.memory, result.latency, result.throughput
    band = result.output_tokens_per_s_per_accelerator_band
    assumptions = list(result.assumptions)
    if resolved.accelerators_per_unit > 1:
        assumptions.append(
            f"{resolved.platform_id} is a rack of {resolved.accelerators_per_unit} x {resolved.platform.id}; "
            "counts and prices are per GPU unless named per rack."
        )
    if cost is None:
        assumptions.append(
            f"No price: the catalog has none for {resolved.platform.id}. Give pricing.usd_per_accelerator_hour, "
            "a pricing.tco build-up or pricing.tco_table for cost figures."
        )
    else:
        assumptions.append(
            f"Price: {cost.price.basis} {cost.price.usd_per_accelerator_hour:.4g} USD per accelerator-hour "
            f"({cost.price.provider or ''} {cost.price.pricing_type or ''}".rstrip() + f"; {cost.price.source})."
        )
        ratio = (request.pricing or schemas.PricingIn()).output_to_input_price_ratio
        assumptions.append(
            "USD per million output tokens carries the whole deployment cost on output tokens; input likewise; "
            f"blended prices output tokens at {ratio:g}x input."
        )
    return schemas.EstimateResponse(
        model=request.model,
        platform=request.platform,
        deployment=schemas.DeploymentOut(
            precision=d.precision, kv_cache_precision=d.kv_cache_precision, num_accelerators=d.num_accelerators,
            tp=d.tp, pp=d.pp, ep=d.ep, dp=d.dp, framework=d.framework, concurrency=d.concurrency,
            chosen_by=d.chosen_by,
        ),
        memory=schemas.MemoryOut(
            capacity_gb_per_accelerator=m.capacity_gb_per_accelerator,
            weights_gb_per_accelerator=m.weights_gb_per_accelerator,
            kv_cache_gb_per_accelerator=m.kv_cache_gb_per_accelerator,
            reserved_gb_per_accelerator=m.reserved_gb_per_accelerator,
            kv_cache_bytes_per_token=m.kv_cache_bytes_per_token,
            max_concurrent_sequences=m.max_concurrent_sequences,
        ),
        latency=schemas.LatencyOut(ttft_ms=lat.ttft_ms, tpot_ms=lat.tpot_ms, e2e_ms=lat.e2e_ms),
        throughput=schemas.ThroughputOut(
            output_tokens_per_s=tp.output_tokens_per_s,
            output_tokens_per_s_per_accelerator=tp.output_tokens_per_s_per_accelerator,
            output_tokens_per_s_per_accelerator_p10=band.p10,
            output_tokens_per_s_per_accelerator_p90=band.p90,
            input_tokens_per_s=tp.input_tokens_per_s,
            requests_per_s=tp.requests_per_s,
            interactivity_tokens_per_s_per_user=tp.interactivity_tokens_per_s_per_user,
            saturated=result.saturated,
        ),
        cost=cost,
        power=power,
        slo=None if slo is None else schemas.SloOut(ttft_ms=slo.ttft_ms, tpot_ms=slo.tpot_ms, met=bool(result.slo_met)),
        bottleneck=result.bottleneck,
        efficiency_scope=result.efficiency.scope,
        efficiency_fallback=result.efficiency.fallback,
        assumptions=assumptions,
        catalog_version=context.version,
        engine_version=estimator.ENGINE_VERSION,
    )


def estimate_key(context: EngineContext, request: schemas.EstimateRequest) -> str:
    return cache_key(
        "estimate", request.model_dump(mode="json"),
        catalog_version=context.version, engine_version=estimator.ENGINE_VERSION,
    )


def cached_estimate(
    context: EngineContext, cache: ResultsCache, request: schemas.EstimateRequest, key: str | None = None
) -> tuple[str, bytes, bool]:
    """(cache key, serialised answer, whether the cache answered). Raises Problem on a bad request."""
    key = key or estimate_key(context, request)
    body = cache.get(key)
    if body is not None:
        return key, body, True
    body = compute_estimate(context, request).model_dump_json().encode()
    cache.set(key, body)
    return key, body, False
