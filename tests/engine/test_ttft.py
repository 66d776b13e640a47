"""Time to first token: the wave wait and the M/D/1 wait by hand on a step model whose time is
affine in the tokens it carries, and invariants on the real engine (TTFT never falls as concurrency,
input length or request rate grow); the throughput band always contains its point estimate."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest

from service.engine import EfficiencyTable, estimate
from service.engine.serving import ReplicaServer, SchedulerLimits
from service.engine.specs import Parallelism, Scenario, Workload
from service.engine.timing import StepTime


@dataclass(frozen=True)
class AffineStep:
    """A step costs 10 ms + 10 µs per token it carries (decode or prompt)."""

    fixed_s: float = 0.01
    per_token_s: float = 1e-5

    def step(self, b: float, p: float, ctx_decode: float, ctx_prefill: float) -> StepTime:
        t = self.fixed_s + self.per_token_s * (b + p)
        return StepTime(t, t - self.fixed_s, 0.0, 0.0, self.fixed_s)


def _replica(w: float, f: float = 0.05, i: int = 1000, o: int = 101) -> ReplicaServer:
    return ReplicaServer(
        AffineStep(),
        pp=1,
        input_tokens=i,
        output_tokens=o,
        max_sequences=100,
        limits=SchedulerLimits(max_batch_size=256, max_num_tokens=2000),
        wave_fraction=w,
        request_overhead_s=f,
    )


def test_wave_wait_by_hand():
    # C = 8 requests of I = 1000 tokens, budget M = 2000 tokens per step, everyone in one wave (w = 1):
    # while the wave is absorbed nobody decodes, so a step carries q = 2000 prompt tokens in
    # 10 ms + 2000 x 10 µs = 30 ms: R = 2000 / 0.030 = 66,667 tokens/s; one prompt takes 15 ms of it.
    # A request waits on average for half of the 7 others: 3.5 x 15 ms = 52.5 ms.
    r = _replica(1.0)
    assert r.prefill_wait(8.0, 0.0, "waves") == pytest.approx(3.5 * 0.015, rel=1e-9)
    # Its own prompt (n_c = 1 chunk) rides on a step with the others' share: S = 1 + 100 = 101 steps,
    # b = 8 x 100 / 101, p = 8 x 1000 / 101 per step; the chunk step carries 7/8 of (b + p) + 1000
    # tokens. Plus half an average step for the step boundary, paid when a step is under way (the
    # replica is busy with the 7 others, 7/8 of the time), and f = 50 ms.
    b, p = 8 * 100 / 101, 8 * 1000 / 101
    chunk = 0.01 + 1e-5 * ((b + p) * 7 / 8 + 1000)
    avg = 0.01 + 1e-5 * (b + p)
    assert r.at(8.0).ttft_s == pytest.approx(0.05 + chunk + 0.5 * 7 / 8 * avg + 0.0525, rel=1e-9)


def test_partial_wave_by_hand():
    # w = 0.5: 3.5 of the 7 others arrive together; while they are absorbed the rest decode,
    # b (1 - w) = 0.5 x 8 x 100 / 101 tokens per step, leaving q = 2000 - b (1 - w) for prompts.
    r = _replica(0.5)
    bw = 0.5 * 8 * 100 / 101
    q = 2000 - bw
    rate = q / (0.01 + 1e-5 * (bw + q))
    assert r.prefill_wait(8.0, 0.0, "waves") == pytest.approx(0.5 * 7 / 2 * 1000 / rate, rel=1e-9)
    # No wave (w = 0) and a lone request: no wait at all.
    assert _replica(0.0).prefill_wait(8.0, 0.0, "waves") == 0.0
    assert _replica(1.0).prefill_wait(1.0, 0.0, "waves") == 0.0


def test_poisson_wait_is_md1_by_hand():
    # Request rate: M/D/1 wait for prefill capacity. With C = 1, b = 100 / 101 decode tokens per step,
    # q = 2000 - b, R = q / (10 ms + 10 µs x 2000) = q / 0.030; service I / R; at lambda = 10 /s,
    # rho = 10 x I / R and the wait is rho / (2 (1 - rho)) x I / R.
    r = _replica(1.0)
    b = 100 / 101
    rate = (2000 - b) / 0.03
    service = 1000 / rate
    rho = 10 * service
    assert r.prefill_wait(1.0, 10.0, "poisson") == pytest.approx(rho / (2 * (1 - rho)) * service, rel=1e-9)


def test_ttft_non_decreasing_in_concurrency_and_wave_fraction():
    for w in (0.0, 0.3, 1.0):
        r = _replica(w)
        ttfts = [r.at(c).ttft_s for c in (1, 2, 4, 8, 16, 32, 64, 100, 150)]
        assert all(b >= a - 1e-12 for a, b in zip(ttfts, ttfts[1:], strict=False)), (w, ttfts)
    assert _replica(0.0).at(32).ttft_s <= _replica(0.5).at(32).ttft_s <= _replica(1.0).at(32).ttft_s


CASES = [
    ("deepseek-r1", "nvidia-b200", 8, "fp4"),
    ("llama-3.1-70b", "nvidia-h100-sxm-80gb", 2, "fp8"),
    ("gpt-oss-120b", "nvidia-h100-sxm-80gb", 8, "int4"),
    ("qwen3-30b-a3b", "nvidia-rtx-pro-6000-blackwell", 2, "fp4"),
]


def _sc(i, o, *, c=None, rate=None, n=None, prec=None):
    return Scenario(
        workload=Workload(i, o, concurrency=c, request_rate_per_s=rate),
        precision=prec,
        num_accelerators=n,
        # A fixed layout: the invariant is about the physics, not about the deployment search.
        parallelism=Parallelism(tp=n, pp=1) if n else Parallelism(),
    )


@pytest.mark.parametrize(("model_id", "platform_id", "n", "prec"), CASES)
def test_engine_ttft_non_decreasing_in_concurrency(models, platforms, table, model_id, platform_id, n, prec):
    m, p = models[model_id], platforms[platform_id]
    ttfts = [estimate(m, p, _sc(1024, 1024, c=c, n=n, prec=prec), table).latency.ttft_ms for c in (1, 4, 16, 64, 256)]
    assert all(b >= a * (1 - 1e-9) for a, b in zip(ttfts, ttfts[1:], strict=False)), ttfts


@pytest.mark.parametrize(("model_id", "platform_id", "n", "prec"), CASES)
def test_engine_ttft_non_decreasing_in_input(models, platforms, table, model_id, platform_id, n, prec):
    m, p = models[model_id], platforms[platform_id]
    ttfts = [estimate(m, p, _sc(i, 1024, c=16, n=n, prec=prec), table).latency.ttft_ms for i in (128, 1024, 4096, 8192)]
    assert all(b >= a * (1 - 1e-9) for a, b in zip(ttfts, ttfts[1:], strict=False)), ttfts


def test_engine_ttft_non_decreasing_in_request_rate(models, platforms, table):
    m, p = models["llama-3.1-70b"], platforms["nvidia-h100-sxm-80gb"]
    ests = [estimate(m, p, _sc(2048, 256, rate=r, n=2, prec="fp8"), table) for r in (0.05, 0.5, 1, 2, 4)]
    ttfts = [e.latency.ttft_ms for e in ests if not e.saturated]
    assert len(ttfts) >= 3
    assert all(b >= a * (1 - 1e-9) for a, b in zip(ttfts, ttfts[1:], strict=False)), ttfts


def test_max_throughput_says_what_ttft_means(models, platforms, table):
    e = estimate(models["llama-3.1-8b"], platforms["nvidia-h100-sxm-80gb"], _sc(512, 512, n=1, prec="fp8"), table)
    assert any("TTFT" in a and "admission" in a for a in e.assumptions)
    assert math.isfinite(e.latency.ttft_ms) and e.latency.ttft_ms > 0


def _bands(models, platforms, table):
    for model_id, platform_id, n, prec in CASES:
        for sc in (_sc(1024, 1024, c=8, n=n, prec=prec), _sc(1024, 1024, n=n, prec=prec)):
            e = estimate(models[model_id], platforms[platform_id], sc, table)
            yield e.throughput.output_tokens_per_s_per_accelerator, e.output_tokens_per_s_per_accelerator_band
    for pid in ("amd-mi300x", "intel-gaudi2"):
        e = estimate(models["llama-3.1-70b"], platforms[pid], _sc(1024, 1024, c=8), table)
        yield e.throughput.output_tokens_per_s_per_accelerator, e.output_tokens_per_s_per_accelerator_band


def test_band_contains_point_estimate(models, platforms, table):
    for point, band in _bands(models, platforms, table):
        assert band.p10 <= point <= band.p90


def test_band_contains_point_even_when_residuals_do_not(models, platforms):
    # A scope whose residual quantiles both lie above 1 (the engine under-predicted all its cases)
    # still gets a band around its point estimate: p10 = min(q10, 1), p90 = max(q90, 1).
    skewed = EfficiencyTable.from_rows([{"id": "global", "params": {}, "residual_p10": 1.1, "residual_p90": 1.4}])
    low = EfficiencyTable.from_rows([{"id": "global", "params": {}, "residual_p10": 0.5, "residual_p90": 0.9}])
    for t in (skewed, low, EfficiencyTable()):
        for point, band in _bands(models, platforms, t):
            assert band.p10 <= point <= band.p90
