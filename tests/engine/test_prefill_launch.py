"""Engine 0.5: the host-launch cost of a step carrying prompt tokens (MoE models on stacks that run
prefill outside the CUDA graph), the step-boundary wait of a lone request, trtllm-serve's token budget,
and the single ``calibrate`` entry point. Hand-computed on a step model affine in its tokens and on
DeepSeek-R1's kernel count."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from service.engine import EfficiencyTable, estimate
from service.engine import calibration as cal
from service.engine.serving import ReplicaServer, SchedulerLimits, scheduler_limits
from service.engine.specs import Parallelism, Scenario, Workload
from service.engine.timing import StepTime, step_model


@dataclass(frozen=True)
class AffineStep:
    """A step costs 10 ms + 10 µs per token it carries (decode or prompt)."""

    def step(self, b: float, p: float, ctx_decode: float, ctx_prefill: float) -> StepTime:
        t = 0.01 + 1e-5 * (b + p)
        return StepTime(t, t - 0.01, 0.0, 0.0, 0.01)


def _replica(w: float, *, prefill_step_s: float = 0.0, i: int = 1000) -> ReplicaServer:
    return ReplicaServer(
        AffineStep(),
        pp=1,
        input_tokens=i,
        output_tokens=101,
        max_sequences=100,
        limits=SchedulerLimits(max_batch_size=256, max_num_tokens=2000),
        wave_fraction=w,
        request_overhead_s=0.02,
        prefill_step_s=prefill_step_s,
    )


def test_lone_request_pays_no_step_boundary():
    # C = 1 in a closed loop: the replica is idle when the request arrives, so its TTFT is the fixed
    # 20 ms plus one step carrying its 1000 prompt tokens: 10 ms + 1000 x 10 µs = 20 ms; 40 ms in all.
    assert _replica(0.5).at(1.0).ttft_s == pytest.approx(0.02 + 0.02, rel=1e-12)
    # With a 30 ms launch cost on steps carrying prompt tokens: 70 ms.
    assert _replica(0.5, prefill_step_s=0.03).at(1.0).ttft_s == pytest.approx(0.07, rel=1e-12)


def test_prefill_launch_cost_by_hand():
    # C = 8, everyone in one wave (w = 1), a 30 ms launch cost per step carrying prompt tokens.
    # Wave wait: a step of the wave carries q = 2000 prompt tokens in 10 ms + 20 ms + 30 ms = 60 ms,
    # R = 2000 / 0.060 = 33,333 tokens/s, one prompt takes 30 ms of it; half of the 7 others:
    # 3.5 x 30 ms = 105 ms (52.5 ms without the launch cost).
    r = _replica(1.0, prefill_step_s=0.03)
    assert r.prefill_wait(8.0, 0.0, "waves") == pytest.approx(3.5 * 0.030, rel=1e-9)
    # Own prompt: one chunk step with the others' 7/8 share of b + p, plus its 30 ms launch cost,
    # half an average step (busy 7/8 of the time), f = 20 ms.
    b, p = 8 * 100 / 101, 8 * 1000 / 101
    chunk = 0.01 + 1e-5 * ((b + p) * 7 / 8 + 1000)
    avg = 0.01 + 1e-5 * (b + p)
    op = r.at(8.0)
    assert op.ttft_s == pytest.approx(0.02 + chunk + 0.03 + 0.5 * 7 / 8 * avg + 0.105, rel=1e-9)
    # Throughput and TPOT are the calibrated step model's: the launch cost only moves TTFT.
    base = _replica(1.0).at(8.0)
    assert op.tpot_s == base.tpot_s and op.output_tokens_per_s == base.output_tokens_per_s


def test_deepseek_r1_kernel_count_by_hand(models, platforms, table):
    # DeepSeek-R1: 61 layers of MLA attention (6 + 4 kernels), 58 MoE FFNs with a shared expert
    # (9 + 3) and 3 dense FFNs (5): 610 + 696 + 15 = 1321 kernels per step.
    m, p = models["deepseek-r1"], platforms["nvidia-b300"]
    eff = table.lookup(p, "fp4", "sglang")
    sm = step_model(m, p, "fp4", "fp8", 4, 1, 4, 1, eff)
    assert sm.kernels == 61 * (6 + 4) + 58 * (9 + 3) + 3 * 5 == 1321


def _ttft(model, platform, prec, n, framework, latency_s, *, tp=None, ep=None):
    t = EfficiencyTable.from_rows(
        [{"id": "global", "params": {"prefill_kernel_latency_s": latency_s, "wave_fraction": 0.5}}]
    )
    sc = Scenario(
        workload=Workload(1024, 256, concurrency=1),
        precision=prec,
        num_accelerators=n,
        parallelism=Parallelism(tp=tp or n, pp=1, ep=ep or 1, dp=1),
        framework=framework,
    )
    return estimate(model, platform, sc, t).latency.ttft_ms


def test_launch_cost_is_kernels_times_latency_for_eager_moe(models, platforms):
    # A lone request (no waits): going from 0 to 100 µs per kernel adds 1321 x 100 µs = 132.1 ms to
    # DeepSeek-R1's TTFT under SGLang and TensorRT-LLM (prefill steps launched eagerly) ...
    r1, b300 = models["deepseek-r1"], platforms["nvidia-b300"]
    for fw in ("sglang", "trtllm"):
        d = _ttft(r1, b300, "fp4", 4, fw, 1e-4, ep=4) - _ttft(r1, b300, "fp4", 4, fw, 1e-6, ep=4)
        assert d == pytest.approx((1e-4 - 1e-6) * 1321 * 1e3, rel=1e-9)
    # ... nothing under vLLM (prefill in piecewise CUDA graphs) ...
    d = _ttft(r1, b300, "fp4", 4, "vllm", 1e-4, ep=4) - _ttft(r1, b300, "fp4", 4, "vllm", 1e-6, ep=4)
    assert d == 0.0
    # ... and nothing for a dense model, whose eager launches run ahead of the GPU.
    llama, h100 = models["llama-3.1-70b"], platforms["nvidia-h100-sxm-80gb"]
    d = _ttft(llama, h100, "fp8", 2, "sglang", 1e-4) - _ttft(llama, h100, "fp8", 2, "sglang", 1e-6)
    assert d == 0.0


def test_trtllm_serve_token_budget():
    # trtllm-bench raises the token budget to 32,768; trtllm-serve keeps the 8,192 default.
    assert scheduler_limits("trtllm") == SchedulerLimits(4096, 32768)
    assert scheduler_limits("trtllm", serving=True) == SchedulerLimits(2048, 8192)
    assert scheduler_limits("sglang", serving=True) == scheduler_limits("sglang") == SchedulerLimits(2048, 8192)
    assert scheduler_limits("no-such-stack") == scheduler_limits("vllm")


def test_committed_calibration_keeps_request_overhead_physical(table, platforms):
    eff = table.lookup(platforms["nvidia-h100-sxm-80gb"], "bf16", "vllm")
    assert 0.01 <= eff.request_overhead_s <= 0.04
    assert 1e-6 < eff.prefill_kernel_latency_s < 3e-4


def _case(cid: str, split: str = "", ttft: float | None = None) -> cal.MeasuredCase:
    return cal.MeasuredCase.from_row(
        {
            "case_id": cid,
            "model": "llama-3.1-8b",
            "platform": "nvidia-h100-sxm-80gb",
            "precision": "fp8",
            "num_accelerators": "1",
            "tp": "1",
            "mode": "concurrency" if ttft else "max_throughput",
            "input_tokens": "1024",
            "output_tokens": "256",
            "concurrency": "4" if ttft else "",
            "measured_output_tok_s_per_accel": "3000",
            "measured_ttft_ms": str(ttft) if ttft else "",
            "split": split,
        }
    )


def test_calibrate_fits_ttft_only_on_the_fit_split(monkeypatch, models, platforms):
    # Stub the two fits: calibrate() must pass only 'fit' rows to fit_ttft, store its values in the
    # global row and report both halves.
    seen = {}

    def fake_fit(cases, models_, platforms_, **kw):
        return cal.FitResult(rows=[{"id": "global", "params": {"compute_fraction": 0.5}, "provenance": "p"}])

    def fake_fit_ttft(cases, models_, platforms_, rows):
        seen["ids"] = [c.case_id for c in cases]
        return {"wave_fraction": 0.3, "request_overhead_s": 0.02, "prefill_kernel_latency_s": 5e-5}

    monkeypatch.setattr(cal, "fit", fake_fit)
    monkeypatch.setattr(cal, "fit_ttft", fake_fit_ttft)
    held = [_case("h1", "fit", 100.0), _case("h2", "validate", 120.0), _case("h3", "fit", 90.0)]
    result = cal.calibrate([_case("c1")], models, platforms, holdout_cases=held)
    assert seen["ids"] == ["h1", "h3"]
    glob = result.rows[0]["params"]
    assert glob == {
        "compute_fraction": 0.5,
        "wave_fraction": 0.3,
        "request_overhead_s": 0.02,
        "prefill_kernel_latency_s": 5e-5,
    }
    report = result.report()
    assert "hold-out 'fit' split" in report and "hold-out 'validate' split" in report
    # Without hold-out cases the TTFT parameters stay at their priors.
    seen.clear()
    bare = cal.calibrate([_case("c1")], models, platforms)
    assert "ids" not in seen and "wave_fraction" not in bare.rows[0]["params"]


def test_main_writes_what_calibrate_returns(monkeypatch, tmp_path, models, platforms):
    rows = [{"id": "global", "params": {"wave_fraction": 0.25}, "provenance": "x"}]
    calls = []

    def fake_calibrate(cases, models_, platforms_, *, holdout_cases=None):
        calls.append(holdout_cases)
        return cal.FitResult(rows=rows, lines=["report"])

    monkeypatch.setattr(cal, "calibrate", fake_calibrate)
    monkeypatch.setattr(cal, "load_seed_cases", lambda: ([], models, platforms))
    monkeypatch.setattr(cal, "load_holdout_cases", lambda path=None: [_case("h1", "fit", 100.0)])
    out = tmp_path / "eff.json"
    assert cal.main(["--write", str(out)]) == 0
    assert len(calls) == 1 and [c.case_id for c in calls[0]] == ["h1"]
    assert out.read_text() == cal.rows_json(rows)
    assert json.loads(out.read_text()) == rows
