"""Behaviour of ``estimate``: invariants, modes, deployment search and error codes."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from service.engine import (
    EngineError,
    candidate_deployments,
    default_framework,
    default_precision,
    estimate,
    fewest_accelerators,
    native_precisions,
)
from service.engine.specs import Parallelism, Scenario, Slo, Workload


def _sc(i=1024, o=1024, *, c=None, rate=None, n=None, prec=None, par=None, slo=None, fw=None):
    par = par or Parallelism()
    return Scenario(
        workload=Workload(i, o, concurrency=c, request_rate_per_s=rate),
        precision=prec,
        num_accelerators=n,
        parallelism=par,
        slo=slo,
        framework=fw,
    )


def test_contract_example_answers(models, platforms, table):
    e = estimate(models["llama-3.1-70b"], platforms["nvidia-h100-sxm-80gb"], _sc(c=64, n=8, prec="fp8"), table)
    assert e.deployment.num_accelerators == 8
    assert e.deployment.kv_cache_precision == "fp8"
    assert e.deployment.framework == "trtllm"
    assert e.throughput.output_tokens_per_s_per_accelerator > 0
    assert e.latency.ttft_ms > 0 and e.latency.tpot_ms > 0
    assert e.memory.kv_cache_bytes_per_token == 160 * 1024
    band = e.output_tokens_per_s_per_accelerator_band
    assert band.p10 <= e.throughput.output_tokens_per_s_per_accelerator <= band.p90
    assert any("KV cache at fp8" in a for a in e.assumptions)
    assert e.efficiency.fallback is False


@pytest.mark.parametrize(
    "model_id,platform_id,n,prec",
    [
        ("llama-3.1-8b", "nvidia-h100-sxm-80gb", 1, "fp8"),
        ("llama-3.1-70b", "nvidia-a100-sxm-80gb", 4, "bf16"),
        ("mixtral-8x7b", "nvidia-h200-sxm-141gb", 2, "fp8"),
        ("deepseek-r1", "nvidia-b200", 8, "fp8"),
    ],
)
def test_more_bandwidth_never_lowers_throughput(models, platforms, table, model_id, platform_id, n, prec):
    m, p = models[model_id], platforms[platform_id]
    for sc in (_sc(n=n, prec=prec), _sc(c=32, n=n, prec=prec), _sc(128, 2048, n=n, prec=prec)):
        base = estimate(m, p, sc, table).throughput.output_tokens_per_s_per_accelerator
        faster = replace(p, hbm_bandwidth_bytes_per_s=p.hbm_bandwidth_bytes_per_s * 1.5)
        assert estimate(m, faster, sc, table).throughput.output_tokens_per_s_per_accelerator >= base


@pytest.mark.parametrize(
    "model_id,platform_id,n,prec",
    [
        ("llama-3.1-8b", "nvidia-l40s", 1, "fp8"),
        ("qwen3-30b-a3b", "nvidia-b200", 1, "fp4"),
        ("llama-3.1-70b", "amd-mi300x", 1, "fp8"),
    ],
)
def test_more_concurrency_never_lowers_tpot(models, platforms, table, model_id, platform_id, n, prec):
    m, p = models[model_id], platforms[platform_id]
    last = 0.0
    for c in (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096):
        tpot = estimate(m, p, _sc(c=c, n=n, prec=prec), table).latency.tpot_ms
        assert tpot >= last - 1e-9
        last = tpot


def test_cost_per_token_positive_and_finite(models, platforms, table):
    # USD per M tokens = USD per accelerator-hour / (tokens/s per accelerator x 3600 / 1e6)
    for pid, p in platforms.items():
        e = estimate(models["llama-3.1-8b"], p, _sc(512, 512), table)
        tps = e.throughput.output_tokens_per_s_per_accelerator
        usd_per_m = 2.0 / (tps * 3600 / 1e6)
        assert math.isfinite(usd_per_m) and usd_per_m > 0, pid


def test_unseen_platforms_answer_with_fallback(models, platforms, table):
    for pid in ("amd-mi355x", "google-tpu-v6e", "intel-gaudi3", "aws-trainium2", "nvidia-gb300-nvl72"):
        e = estimate(models["llama-3.1-70b"], platforms[pid], _sc(), table)
        assert e.efficiency.fallback is True
        assert any("fallback" in a for a in e.assumptions)


def test_fp8_on_a100_is_unsupported(models, platforms, table):
    with pytest.raises(EngineError) as err:
        estimate(models["llama-3.1-8b"], platforms["nvidia-a100-sxm-80gb"], _sc(prec="fp8"), table)
    assert err.value.code == "precision_unsupported"
    assert err.value.fix["precision"] == "bf16"
    assert "fp8" not in err.value.fix["supported"]


def test_capabilities(platforms):
    assert native_precisions(platforms["nvidia-a100-sxm-80gb"]) == ("bf16", "int8", "int4")
    assert "fp8" in native_precisions(platforms["nvidia-h100-sxm-80gb"])
    assert "fp4" not in native_precisions(platforms["nvidia-h100-sxm-80gb"])
    assert "fp8" in native_precisions(platforms["intel-gaudi2"])
    assert "fp8" in native_precisions(platforms["amd-mi300x"])
    for pid in ("nvidia-b200", "nvidia-gb200-nvl72", "nvidia-rtx-pro-6000-blackwell", "amd-mi355x"):
        assert default_precision(platforms[pid]) == "fp4"
        assert "fp8" in native_precisions(platforms[pid])
    assert default_framework(platforms["nvidia-h100-sxm-80gb"]) == "trtllm"
    assert default_framework(platforms["amd-mi300x"]) == "vllm"


def test_does_not_fit_names_fewest_accelerators(models, platforms, table):
    m, p = models["llama-3.1-405b"], platforms["nvidia-h100-sxm-80gb"]
    with pytest.raises(EngineError) as err:
        estimate(m, p, _sc(n=1, prec="bf16"), table)
    assert err.value.code == "does_not_fit"
    need = fewest_accelerators(m, p, "bf16", context_tokens=2048)
    # 405.85e9 x 2 B = 812 GB of weights: more than 8 x 80 GB, so 16
    assert need == 16
    assert err.value.fix["num_accelerators"] == need
    ok = estimate(m, p, _sc(n=need, prec="bf16"), table)
    assert ok.deployment.num_accelerators == need


def test_invalid_parallelism(models, platforms, table):
    with pytest.raises(EngineError) as err:
        estimate(
            models["llama-3.1-70b"],
            platforms["nvidia-h100-sxm-80gb"],
            _sc(n=8, prec="fp8", par=Parallelism(tp=3, pp=1, ep=1, dp=1)),
            table,
        )
    assert err.value.code == "invalid_parallelism"
    assert "parallelism" in err.value.fix
    with pytest.raises(EngineError) as err:
        estimate(models["llama-3.1-70b"], platforms["nvidia-h100-sxm-80gb"], _sc(n=8, par=Parallelism(ep=2)), table)
    assert err.value.code == "invalid_parallelism"


def test_context_too_long(models, platforms, table):
    with pytest.raises(EngineError) as err:
        estimate(models["llama-2-7b"], platforms["nvidia-h100-sxm-80gb"], _sc(4000, 1000), table)
    assert err.value.code == "context_too_long"


def test_request_rate_below_and_above_capacity(models, platforms, table):
    m, p = models["llama-3.1-8b"], platforms["nvidia-h100-sxm-80gb"]
    low = estimate(m, p, _sc(n=1, rate=2.0), table)
    assert not low.saturated
    assert low.throughput.requests_per_s == pytest.approx(2.0, rel=1e-9)
    assert low.throughput.output_tokens_per_s == pytest.approx(2.0 * 1024, rel=1e-9)
    high = estimate(m, p, _sc(n=1, rate=1e6), table)
    assert high.saturated
    cap = estimate(m, p, _sc(n=1), table)
    assert high.throughput.requests_per_s == pytest.approx(cap.throughput.requests_per_s, rel=0.05)


def test_max_throughput_beats_fixed_concurrency(models, platforms, table):
    m, p = models["llama-3.1-8b"], platforms["nvidia-h200-sxm-141gb"]
    best = estimate(m, p, _sc(n=1, prec="fp8"), table).throughput.output_tokens_per_s
    for c in (1, 16, 128):
        assert estimate(m, p, _sc(n=1, prec="fp8", c=c), table).throughput.output_tokens_per_s <= best * 1.001


def test_slo_mode_meets_targets(models, platforms, table):
    m, p = models["llama-3.1-70b"], platforms["nvidia-h100-sxm-80gb"]
    e = estimate(m, p, _sc(slo=Slo(ttft_ms=2000, tpot_ms=50)), table)
    assert e.slo_met is True
    assert e.latency.tpot_ms <= 50 and e.latency.ttft_ms <= 2000
    assert e.deployment.chosen_by.startswith("engine")
    with pytest.raises(EngineError) as err:
        estimate(m, p, _sc(n=8, prec="fp8", slo=Slo(tpot_ms=0.01)), table)
    assert err.value.code == "slo_unreachable"


def test_search_chooses_and_says_why(models, platforms, table):
    e = estimate(models["deepseek-r1"], platforms["nvidia-h200-sxm-141gb"], _sc(prec="fp8"), table)
    assert e.deployment.num_accelerators >= 8
    d = e.deployment
    assert d.tp * d.pp * d.dp == d.num_accelerators
    assert "engine" in d.chosen_by


def test_candidate_deployments_all_fit(models, platforms):
    m, p = models["mixtral-8x7b"], platforms["nvidia-h100-sxm-80gb"]
    cands = candidate_deployments(m, p, "fp8")
    assert cands
    for n, par in cands:
        assert par.tp * par.pp * par.dp == n
        assert None not in (par.tp, par.pp, par.ep, par.dp)
    fixed = candidate_deployments(m, p, "fp8", num_accelerators=4, fixed=Parallelism(tp=4))
    assert {par.tp for _, par in fixed} == {4}


def test_rack_platform_per_gpu(models, platforms, table):
    e = estimate(models["deepseek-r1"], platforms["nvidia-gb200-nvl72"], _sc(n=72, prec="fp4"), table)
    assert e.deployment.num_accelerators == 72
