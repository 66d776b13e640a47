"""Valid parallel layouts and the deployments that fit in memory.

``num_accelerators = tp x pp x dp``. tp splits attention heads and FFN matrices inside one scale-up
domain (a PCIe box counts as a domain of 8 with slow links); pp splits layers; dp replicates. ep
splits routed experts and must divide ``tp x dp``: ``ep <= tp`` is expert parallelism inside the tp
group, ``ep > tp`` spreads experts over data-parallel attention ranks (DeepSeek-style).
"""

from __future__ import annotations

from functools import lru_cache

from service.engine.capability import fp8_native
from service.engine.memory import kv_cache_precision, memory_plan
from service.engine.specs import ModelSpec, Parallelism, PlatformSpec

MAX_ACCELERATORS = 1024

ANY_LAYOUT = Parallelism()
"""No field fixed (frozen, so safe as a shared default)."""


def tp_limit(platform: PlatformSpec) -> int:
    domain = max(platform.scale_up_domain, 1)
    return 8 if domain == 1 else domain


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def accelerator_counts(platform: PlatformSpec) -> list[int]:
    """Sizes a deployment search considers: powers of two, plus the scale-up domain (e.g. 72)."""
    sizes = {1 << i for i in range(11)}
    if 1 < platform.scale_up_domain <= MAX_ACCELERATORS:
        sizes.add(platform.scale_up_domain)
    return sorted(s for s in sizes if s <= MAX_ACCELERATORS)


def check_parallelism(model: ModelSpec, platform: PlatformSpec, n: int, par: Parallelism) -> str | None:
    """None when ``par`` (fully resolved) is a valid layout on ``n`` accelerators, else why not."""
    tp, pp, ep, dp = par.tp or 1, par.pp or 1, par.ep or 1, par.dp or 1
    if min(tp, pp, ep, dp) < 1:
        return "tp, pp, ep and dp must be at least 1"
    if tp * pp * dp != n:
        return f"tp x pp x dp = {tp * pp * dp} does not equal num_accelerators = {n}"
    if model.num_attention_heads % tp:
        return f"tp={tp} does not divide the {model.num_attention_heads} attention heads"
    if tp > tp_limit(platform):
        return f"tp={tp} exceeds the {tp_limit(platform)}-accelerator scale-up domain of {platform.id}"
    if pp > model.num_layers:
        return f"pp={pp} exceeds the {model.num_layers} layers"
    if not model.is_moe and ep != 1:
        return f"ep={ep} needs a mixture-of-experts model; {model.id} is dense"
    if model.is_moe:
        if model.num_experts % ep:
            return f"ep={ep} does not divide the {model.num_experts} experts"
        if (tp * dp) % ep:
            return f"ep={ep} must divide tp x dp = {tp * dp}"
    return None


def layouts(model: ModelSpec, platform: PlatformSpec, n: int, fixed: Parallelism = ANY_LAYOUT) -> list[Parallelism]:
    """Valid fully-resolved layouts on ``n`` accelerators that agree with the fields of ``fixed``.
    Unless fixed, ep is one of 1 (no expert parallelism), tp (inside the tp group) or tp x dp (across
    data-parallel attention ranks)."""
    out: list[Parallelism] = []
    for tp in _divisors(n):
        if fixed.tp is not None and tp != fixed.tp:
            continue
        for pp in _divisors(n // tp):
            if fixed.pp is not None and pp != fixed.pp:
                continue
            dp = n // (tp * pp)
            if fixed.dp is not None and dp != fixed.dp:
                continue
            if fixed.ep is not None:
                eps = [fixed.ep]
            elif model.is_moe:
                eps = sorted({1, tp, tp * dp})
            else:
                eps = [1]
            for ep in eps:
                par = Parallelism(tp, pp, ep, dp)
                if check_parallelism(model, platform, n, par) is None:
                    out.append(par)
    return out


def fits(model: ModelSpec, platform: PlatformSpec, precision: str, par: Parallelism, context_tokens: int) -> bool:
    kv = kv_cache_precision(precision, fp8_native(platform))
    plan = memory_plan(model, platform, precision, kv, tp=par.tp, pp=par.pp, ep=par.ep, context_tokens=context_tokens)
    return plan.max_sequences >= 1


@lru_cache(maxsize=1024)
def fewest_accelerators_cached(
    model: ModelSpec, platform: PlatformSpec, precision: str, context_tokens: int, fixed: Parallelism
) -> tuple[int, Parallelism] | None:
    for n in accelerator_counts(platform):
        for par in layouts(model, platform, n, fixed):
            if fits(model, platform, precision, par, context_tokens):
                return n, par
    return None
