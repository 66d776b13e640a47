"""``estimate``: resolve precision, framework and deployment, then serve the workload."""

from __future__ import annotations

import math
from dataclasses import dataclass

from service.engine import capability
from service.engine.efficiency import EfficiencyTable
from service.engine.memory import GIB, MemoryPlan, kv_cache_bytes_per_token, kv_cache_precision, memory_plan
from service.engine.parallel import (
    ANY_LAYOUT,
    accelerator_counts,
    check_parallelism,
    fewest_accelerators_cached,
    fits,
    layouts,
)
from service.engine.serving import EAGER_PREFILL_FRAMEWORKS, Operating, ReplicaServer, scheduler_limits
from service.engine.specs import (
    Band,
    Deployment,
    Efficiency,
    EngineError,
    Estimate,
    Latency,
    MemoryFit,
    ModelSpec,
    Parallelism,
    PlatformSpec,
    Scenario,
    Throughput,
)
from service.engine.timing import step_model

SEARCH_SIZES = 3
"""A search tries the fewest accelerators that fit and up to two doublings beyond."""


def _par_dict(par: Parallelism) -> dict[str, int | None]:
    return {"tp": par.tp, "pp": par.pp, "ep": par.ep, "dp": par.dp}


def candidate_deployments(
    model: ModelSpec,
    platform: PlatformSpec,
    precision: str,
    *,
    num_accelerators: int | None = None,
    fixed: Parallelism = ANY_LAYOUT,
    context_tokens: int = 2048,
) -> list[tuple[int, Parallelism]]:
    """Every valid (accelerator count, fully-resolved layout) that holds the weights and at least one
    sequence of ``context_tokens``. Without ``num_accelerators``: the fewest that fit and two
    doublings (plus the scale-up domain size when it lies in that range)."""
    if num_accelerators is not None:
        sizes = [num_accelerators]
    else:
        first = fewest_accelerators_cached(model, platform, precision, context_tokens, fixed)
        if first is None:
            return []
        n0 = first[0]
        sizes = [n for n in accelerator_counts(platform) if n0 <= n <= n0 * (1 << (SEARCH_SIZES - 1))]
    out = []
    for n in sizes:
        for par in layouts(model, platform, n, fixed):
            if fits(model, platform, precision, par, context_tokens):
                out.append((n, par))
    return out


def fewest_accelerators(model: ModelSpec, platform: PlatformSpec, precision: str, *, context_tokens: int) -> int | None:
    found = fewest_accelerators_cached(model, platform, precision, context_tokens, Parallelism())
    return None if found is None else found[0]


@dataclass
class _Evaluated:
    n: int
    par: Parallelism
    plan: MemoryPlan
    op: Operating
    replica: ReplicaServer
    saturated: bool
    slo_met: bool | None

    @property
    def per_accel(self) -> float:
        return self.op.output_tokens_per_s * self.par.dp / self.n


def _resolve_precision(platform: PlatformSpec, precision: str | None) -> str:
    native = capability.native_precisions(platform)
    if precision is None:
        return capability.default_precision(platform)
    if precision not in native:
        best = capability.default_precision(platform)
        raise EngineError(
            f"{platform.name} does not run {precision} natively (it runs {', '.join(native)})",
            code="precision_unsupported",
            fix={"precision": best, "supported": list(native)},
        )
    return precision


def _evaluate(
    model: ModelSpec,
    platform: PlatformSpec,
    precision: str,
    kv: str,
    n: int,
    par: Parallelism,
    scenario: Scenario,
    eff: Efficiency,
    framework: str,
) -> _Evaluated | None:
    w = scenario.workload
    context = w.input_tokens + w.output_tokens
    plan = memory_plan(model, platform, precision, kv, tp=par.tp, pp=par.pp, ep=par.ep, context_tokens=context)
    if plan.max_sequences < 1:
        return None
    sm = step_model(model, platform, precision, kv, par.tp, par.pp, par.ep, par.dp, eff)
    replica = ReplicaServer(
        sm,
        pp=par.pp,
        input_tokens=w.input_tokens,
        output_tokens=w.output_tokens,
        max_sequences=plan.max_sequences,
        limits=scheduler_limits(framework, serving=w.concurrency is not None or w.request_rate_per_s is not None),
        wave_fraction=eff.wave_fraction,
        request_overhead_s=eff.request_overhead_s,
        prefill_step_s=(
            sm.kernels * eff.prefill_kernel_latency_s if model.is_moe and framework in EAGER_PREFILL_FRAMEWORKS else 0.0
        ),
    )
    slo = scenario.slo
    saturated = False
    slo_met: bool | None = None
    if w.concurrency is not None:
        op = replica.at(w.concurrency / par.dp)
    elif w.request_rate_per_s is not None:
        op, saturated = replica.at_rate(w.request_rate_per_s / par.dp)
    elif slo is not None and (slo.ttft_ms is not None or slo.tpot_ms is not None):
        ttft = slo.ttft_ms / 1e3 if slo.ttft_ms is not None else None
        tpot = slo.tpot_ms / 1e3 if slo.tpot_ms is not None else None
        met = replica.largest_meeting(ttft, tpot)
        if met is None:
            op = replica.at(1.0)
            slo_met = False
        else:
            op = met
            slo_met = True
    else:
        op = replica.max_throughput()
    if slo is not None and slo_met is None and (slo.ttft_ms is not None or slo.tpot_ms is not None):
        slo_met = (slo.ttft_ms is None or op.ttft_s * 1e3 <= slo.ttft_ms) and (
            slo.tpot_ms is None or op.tpot_s * 1e3 <= slo.tpot_ms
        )
    return _Evaluated(n, par, plan, op, replica, saturated, slo_met)


def _goal_key(ev: _Evaluated) -> tuple:
    # SLO met first, then throughput per accelerator, then fewer accelerators, then simpler layouts.
    return (ev.slo_met is not False, ev.per_accel, -ev.n, -ev.par.pp, -ev.par.ep)


def estimate(model: ModelSpec, platform: PlatformSpec, scenario: Scenario, efficiencies: EfficiencyTable) -> Estimate:
    """Memory fit, latency, throughput and bottleneck of ``model`` on ``platform`` for ``scenario``.

    Raises :class:`EngineError` with a ``code`` and a ``fix`` when the deployment cannot run."""
    w = scenario.workload
    if w.input_tokens < 1 or w.output_tokens < 1:
        raise EngineError("input_tokens and output_tokens must be at least 1", code="invalid_workload")
    if w.concurrency is not None and w.concurrency < 1:
        raise EngineError("concurrency must be at least 1", code="invalid_workload", fix={"concurrency": 1})
    if w.request_rate_per_s is not None and not w.request_rate_per_s > 0:
        raise EngineError("request_rate_per_s must be positive", code="invalid_workload")
    context = w.input_tokens + w.output_tokens
    if context > model.max_context:
        raise EngineError(
            f"input + output = {context} tokens exceeds {model.id}'s {model.max_context}-token context",
            code="context_too_long",
            fix={"max_context": model.max_context},
        )
    precision = _resolve_precision(platform, scenario.precision)
    framework = scenario.framework or capability.default_framework(platform)
    if framework not in capability.FRAMEWORKS:
        raise EngineError(
            f"unknown framework {framework!r}",
            code="framework_unsupported",
            fix={"framework": capability.default_framework(platform), "supported": list(capability.FRAMEWORKS)},
        )
    kv = kv_cache_precision(precision, capability.fp8_native(platform))
    eff = efficiencies.lookup(platform, precision, framework)
    fixed = scenario.parallelism
    n_req = scenario.num_accelerators

    if n_req is not None:
        if n_req < 1:
            raise EngineError(
                "num_accelerators must be at least 1", code="invalid_parallelism", fix={"num_accelerators": 1}
            )
        valid = layouts(model, platform, n_req, fixed)
        if not valid:
            reason = "no valid layout"
            if None not in (fixed.tp, fixed.pp, fixed.ep, fixed.dp):
                reason = check_parallelism(model, platform, n_req, fixed) or reason
            elif fixed.tp is not None or fixed.pp is not None or fixed.dp is not None or fixed.ep is not None:
                reason = f"the given parallelism {_par_dict(fixed)} has no valid layout on {n_req} accelerators"
            alt = layouts(model, platform, n_req)
            fix: dict[str, object] = {"num_accelerators": n_req}
            if alt:
                fix["parallelism"] = _par_dict(alt[0])
            raise EngineError(reason, code="invalid_parallelism", fix=fix)
        cands = [(n_req, p) for p in valid]
    else:
        cands = candidate_deployments(model, platform, precision, fixed=fixed, context_tokens=context)

    evaluated = []
    for n, par in cands:
        ev = _evaluate(model, platform, precision, kv, n, par, scenario, eff, framework)
        if ev is not None:
            evaluated.append(ev)
    if not evaluated:
        need = fewest_accelerators_cached(model, platform, precision, context, fixed) or fewest_accelerators_cached(
            model, platform, precision, context, Parallelism()
        )
        fix = {}
        if need is not None:
            fix = {"num_accelerators": need[0], "parallelism": _par_dict(need[1])}
        where = f"{n_req} x " if n_req else ""
        raise EngineError(
            f"{model.id} at {precision} with a {context}-token sequence does not fit on {where}{platform.name}"
            + (f"; it needs {need[0]}" if need else ""),
            code="does_not_fit",
            fix=fix,
        )
    best = max(evaluated, key=_goal_key)
    slo = scenario.slo
    if best.slo_met is False and (w.concurrency is None and w.request_rate_per_s is None):
        op = best.op
        fix = {"ttft_ms": round(op.ttft_s * 1e3, 3), "tpot_ms": round(op.tpot_s * 1e3, 3)}
        more = fewest_accelerators_cached(model, platform, precision, context, Parallelism())
        if n_req is not None and more is not None:
            fix["num_accelerators"] = max(n_req * 2, more[0])
        raise EngineError(
            "no deployment meets the SLO even with one request in flight "
            f"(best: TTFT {op.ttft_s * 1e3:.1f} ms, TPOT {op.tpot_s * 1e3:.2f} ms)",
            code="slo_unreachable",
            fix=fix,
        )
    return _build(model, platform, scenario, precision, kv, framework, eff, best, len(evaluated), slo)


def _chosen_by(scenario: Scenario, best: _Evaluated, n_options: int) -> str:
    fixed = scenario.parallelism
    if scenario.num_accelerators is not None and None not in (fixed.tp, fixed.pp, fixed.ep, fixed.dp):
        return "request"
    if n_options == 1:
        return "request (the only valid layout for the fields given)"
    goal = "highest output tokens/s per accelerator"
    if scenario.slo is not None:
        goal += " meeting the SLO"
    p = best.par
    return (
        f"engine: {best.n} accelerators as tp={p.tp} pp={p.pp} ep={p.ep} dp={p.dp}, "
        f"the {goal} of {n_options} valid deployments"
    )


def _build(
    model: ModelSpec,
    platform: PlatformSpec,
    scenario: Scenario,
    precision: str,
    kv: str,
    framework: str,
    eff: Efficiency,
    best: _Evaluated,
    n_options: int,
    slo,
) -> Estimate:
    w = scenario.workload
    op = best.op
    par = best.par
    dp = par.dp
    total_tps = op.output_tokens_per_s * dp
    per_accel = total_tps / best.n
    replica = best.replica
    plan = best.plan
    active = op.active
    kv_held = plan.kv_bytes_per_sequence * active
    if op.active >= replica.capacity - 1e-9 and w.concurrency is None and w.request_rate_per_s is None:
        bottleneck = replica.capacity_limited_by if op.step.memory_s > op.step.compute_s else op.step.bottleneck
        if bottleneck == "scheduler":
            bottleneck = op.step.bottleneck
    else:
        bottleneck = op.step.bottleneck
    memory = MemoryFit(
        capacity_gb_per_accelerator=plan.capacity_bytes / 1e9,
        weights_gb_per_accelerator=plan.weights_bytes / 1e9,
        kv_cache_gb_per_accelerator=kv_held / 1e9,
        reserved_gb_per_accelerator=plan.reserved_bytes / 1e9,
        kv_cache_bytes_per_token=kv_cache_bytes_per_token(model, kv),
        max_concurrent_sequences=plan.max_sequences * dp,
    )
    deployment = Deployment(
        precision=precision,
        kv_cache_precision=kv,
        num_accelerators=best.n,
        tp=par.tp,
        pp=par.pp,
        ep=par.ep,
        dp=dp,
        framework=framework,
        concurrency=max(1, int(round(op.concurrency * dp))),
        chosen_by=_chosen_by(scenario, best, n_options),
    )
    latency = Latency(ttft_ms=op.ttft_s * 1e3, tpot_ms=op.tpot_s * 1e3, e2e_ms=op.e2e_s * 1e3)
    throughput = Throughput(
        output_tokens_per_s=total_tps,
        output_tokens_per_s_per_accelerator=per_accel,
        input_tokens_per_s=op.requests_per_s * dp * w.input_tokens,
        requests_per_s=op.requests_per_s * dp,
        interactivity_tokens_per_s_per_user=1.0 / op.tpot_s if op.tpot_s > 0 else math.inf,
    )
    # The band always contains the point estimate: quantiles of measured / predicted clamped to 1.
    band = Band(p10=per_accel * min(eff.residual_p10, 1.0), p90=per_accel * max(eff.residual_p90, 1.0))
    assumptions = [
        f"Weights at {precision}; embedding and LM head kept in bf16.",
        f"KV cache at {kv}" + (" (fp8 KV alongside low-precision weights)." if kv == "fp8" else "."),
        f"Memory per accelerator: {plan.capacity_bytes / GIB:.1f} GiB usable; "
        f"{plan.reserved_bytes / 1e9:.1f} GB reserved for runtime, activations/workspace and the 10% the "
        "serving stack keeps free; the rest holds KV for whole sequences (input + output) reserved up front.",
        f"Framework {framework}: continuous batching with chunked prefill, at most "
        f"{replica.limits.max_batch_size} requests per batch and {replica.limits.max_num_tokens} tokens per step.",
        f"Efficiencies from calibration scope '{eff.scope}'"
        + (" (fallback: no calibration rows for this platform itself)." if eff.fallback else "."),
        "MoE routing assumed uniform: a step reads the expected number of distinct experts its tokens touch."
        if model.is_moe
        else "Dense model: every step reads all weights.",
        "Throughput band is p10-p90 of measured/predicted in the scope's calibration residuals.",
    ]
    if w.concurrency is not None:
        assumptions.append(
            f"TTFT: {eff.request_overhead_s * 1e3:.0f} ms fixed per request, the prompt's chunks riding on "
            "decode steps"
            + (
                f" (each paying {replica.prefill_step_s * 1e3:.0f} ms of eager kernel launches: {framework} runs "
                "prefill steps outside the CUDA graph and MoE layers synchronise with the host)"
                if replica.prefill_step_s > 0
                else ""
            )
            + f", and the wait behind the {eff.wave_fraction:.2f} share of the other requests that "
            "arrive in the same wave (fixed-concurrency clients: requests started together finish together)."
        )
    if w.concurrency is not None and w.concurrency > op.active * dp:
        assumptions.append(
            f"Only {int(op.active * dp)} of the {w.concurrency} requests fit at once; "
            "the rest queue (TTFT includes the wait)."
        )
    if w.request_rate_per_s is not None:
        if best.saturated:
            assumptions.append(
                f"Saturated: {w.request_rate_per_s} requests/s exceeds the capacity of "
                f"{op.requests_per_s * dp:.3g} requests/s; the queue grows without bound, figures are at capacity."
            )
        else:
            assumptions.append(
                f"Latencies at the concurrency implied by Little's law ({op.concurrency * dp:.1f} in flight); "
                "TTFT includes an M/D/1 wait for prefill capacity (Poisson arrivals)."
            )
    if w.concurrency is None and w.request_rate_per_s is None:
        assumptions.append(
            "Maximum throughput: all requests queued at once and the scheduler fills the batch "
            "(as trtllm-bench throughput). TTFT is counted from admission to a batch slot, with the "
            "admitted batch arriving as at fixed concurrency; the time spent in the benchmark's queue "
            "before admission grows with the number of requests queued and is not included."
            if slo is None
            else "Largest concurrency whose TTFT and TPOT meet the SLO."
        )
    return Estimate(
        model_id=model.id,
        platform_id=platform.id,
        deployment=deployment,
        memory=memory,
        latency=latency,
        throughput=throughput,
        bottleneck=bottleneck,
        efficiency=eff,
        output_tokens_per_s_per_accelerator_band=band,
        saturated=best.saturated,
        slo_met=best.slo_met,
        assumptions=tuple(assumptions),
    )
