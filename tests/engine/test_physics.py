"""The step-time physics by hand: a low-batch decode step is bandwidth-bound, pipeline parallelism costs
latency and bubbles, expert all-to-alls only where experts span data-parallel ranks."""

from __future__ import annotations

from dataclasses import replace

import pytest

from service.engine import estimate
from service.engine.specs import Efficiency, Parallelism, Scenario, Workload
from service.engine.timing import step_model

EFF = Efficiency(
    hbm_bandwidth_fraction=0.8,
    compute_fraction=0.5,
    prefill_compute_fraction=0.6,
    step_overhead_s=3e-4,
    interconnect_fraction=0.7,
    scope="test",
    token_overhead_s=0.0,
    kernel_latency_s=4e-6,
)


def _sc(i=1024, o=1024, *, c=None, n=None, prec="fp8", par=None):
    return Scenario(
        workload=Workload(i, o, concurrency=c),
        precision=prec,
        num_accelerators=n,
        parallelism=par or Parallelism(),
    )


def test_low_batch_decode_step_is_bandwidth_bound_by_hand(models, platforms):
    """Llama-3.1-8B at fp8 on one H100 SXM, one sequence at 1,024 tokens of context.

    weights: 8.03e9 params; embedding = LM head = 128,256 x 4,096 = 525,336,576 each (untied, bf16);
      layers = 8.03e9 - 2 x 525,336,576 = 6,979,326,848 at 1 B = 6,979,326,848 B
      LM head read every step at bf16: 1,050,673,152 B          -> weights 8,030,000,000 B
    KV (fp8): 32 layers x 1,024 tokens x (2 x 8 kv heads x 128) x 1 B = 67,108,864 B
    activations: 2 B x 32 layers x (6 x 4,096 + 2 x 14,336) = 3,407,872 B
      + fp32 logits written and read: 8 B x 128,256 = 1,026,048 B  -> 4,433,920 B
    bytes = 8,101,542,784; time = bytes / (0.8 x 3.35e12 B/s) = 3.02296 ms
    fixed: 0.3 ms step overhead + 32 layers x 11 kernels x 4 µs = 1.408 ms
    total = 4.73096 ms (compute: 2 x 7.5e9 FLOPs / (1,979e12 x 0.5) = 0.015 ms, hidden under memory)
    """
    m, p = models["llama-3.1-8b"], platforms["nvidia-h100-sxm-80gb"]
    assert (m.num_layers, m.hidden_size, m.num_kv_heads, m.head_dim, m.intermediate_size, m.vocab_size) == (
        32,
        4096,
        8,
        128,
        14336,
        128256,
    )
    assert p.hbm_bandwidth_bytes_per_s == pytest.approx(3.35e12)
    sm = step_model(m, p, "fp8", "fp8", 1, 1, 1, 1, EFF)
    st = sm.step(1.0, 0.0, 1024.0, 0.0)
    bytes_read = 8_030_000_000 + 67_108_864 + 4_433_920
    expected = bytes_read / (0.8 * 3.35e12) + 3e-4 + 32 * 11 * 4e-6
    assert st.total_s == pytest.approx(expected, rel=1e-6)
    assert st.memory_s == pytest.approx(bytes_read / (0.8 * 3.35e12), rel=1e-6)
    assert st.compute_s == 0.0
    assert st.bottleneck == "memory bandwidth"


def test_pipeline_stages_add_latency_and_bubbles(models, platforms, table):
    m, p = models["llama-3.1-70b"], platforms["nvidia-h100-sxm-80gb"]
    one = estimate(m, p, _sc(c=1, n=4, par=Parallelism(tp=4, pp=1, ep=1, dp=1)), table)
    two = estimate(m, p, _sc(c=1, n=8, par=Parallelism(tp=4, pp=2, ep=1, dp=1)), table)
    # Same weights streamed per token, but every stage pays its fixed costs and a hand-off.
    assert two.latency.tpot_ms > one.latency.tpot_ms
    # One request cannot fill two stages: throughput is bounded by 1 / TPOT (the other stage idles).
    assert two.throughput.output_tokens_per_s <= 1000.0 / two.latency.tpot_ms * 1.000001
    assert two.throughput.output_tokens_per_s_per_accelerator < one.throughput.output_tokens_per_s_per_accelerator


def test_search_does_not_pick_pipeline_stages_for_latency(models, platforms, table):
    m, p = models["llama-3.1-70b"], platforms["nvidia-h100-sxm-80gb"]
    e = estimate(m, p, _sc(c=1, n=8), table)
    assert e.deployment.pp == 1


@pytest.mark.parametrize("pp", [2, 4])
def test_more_concurrency_never_lowers_tpot_with_pipeline(models, platforms, table, pp):
    m, p = models["llama-3.1-70b"], platforms["nvidia-h100-sxm-80gb"]
    par = Parallelism(tp=8 // pp, pp=pp, ep=1, dp=1)
    last = 0.0
    for c in (1, 2, 3, 4, 5, 8, 16, 64, 256, 1024):
        tpot = estimate(m, p, _sc(c=c, n=8, par=par), table).latency.tpot_ms
        assert tpot >= last - 1e-9
        last = tpot


def test_expert_all_to_all_only_when_experts_span_dp_ranks(models, platforms):
    m, p = models["deepseek-r1"], platforms["nvidia-b200"]
    ep_in_tp = step_model(m, p, "fp4", "fp8", 8, 1, 8, 1, EFF)
    no_ep = step_model(m, p, "fp4", "fp8", 8, 1, 1, 1, EFF)
    assert ep_in_tp.comm_s_per_token == pytest.approx(no_ep.comm_s_per_token)
    dp_attention = step_model(m, p, "fp4", "fp8", 1, 1, 8, 8, EFF)
    # tp=1: no all-reduce; dispatch + combine over 58 MoE layers to the distinct remote ranks of 8 experts:
    # (8 - 1) x (1 - (7/8)^8) = 4.5958 tokens' worth of hidden (7,168 x 2 B) per call.
    fan = 7 * (1 - (7 / 8) ** 8)
    per_token = 2 * 58 * fan * 7168 * 2 / (p.scale_up_bandwidth_bytes_per_s * 0.7)
    assert dp_attention.comm_s_per_token == pytest.approx(per_token, rel=1e-9)


@pytest.mark.parametrize(
    "model_id,platform_id,n,prec,par",
    [
        ("deepseek-r1", "nvidia-gb200-nvl72", 32, "fp4", Parallelism(tp=1, pp=1, ep=32, dp=32)),
        ("llama-3.1-405b", "nvidia-h200-sxm-141gb", 8, "fp8", Parallelism(tp=4, pp=2, ep=1, dp=1)),
    ],
)
def test_more_bandwidth_never_lowers_throughput_multi_gpu(
    models, platforms, table, model_id, platform_id, n, prec, par
):
    m, p = models[model_id], platforms[platform_id]
    for c in (1, 16, 256, None):
        sc = _sc(c=c, n=n, prec=prec, par=par)
        base = estimate(m, p, sc, table).throughput.output_tokens_per_s_per_accelerator
        faster = replace(p, hbm_bandwidth_bytes_per_s=p.hbm_bandwidth_bytes_per_s * 1.5)
        assert estimate(m, faster, sc, table).throughput.output_tokens_per_s_per_accelerator >= base


def test_mla_attention_flops_absorbed_at_decode_decompressed_at_prefill(models, platforms):
    """DeepSeek-R1 (MLA: 128 heads, kv_lora_rank 512, qk_rope 64, qk_nope 128, v_head 128) at tp=8:
    16 heads per rank.

    decode (absorbed: every head attends over the 512 + 64 latent for QK^T and the 512 latent for PV):
      2 x 16 x (2 x 512 + 64) = 2 x 16 x 1,088 = 34,816 FLOPs per (layer, context token)
    prefill (decompressed multi-head attention: QK^T over 128 + 64, PV over 128):
      2 x 16 x (128 + 64 + 128) = 2 x 16 x 320 = 10,240 FLOPs per (layer, context token)
    A GQA model uses 4 x heads x head_dim in both phases (Llama-3.1-70B at tp=8: 4 x 8 x 128 = 4,096)."""
    m = models["deepseek-r1"]
    p = platforms["nvidia-h200-sxm-141gb"]
    sm = step_model(m, p, "fp8", "fp8", 8, 1, 8, 1, EFF)
    assert sm.attention_flops_per_slot == pytest.approx(34_816)
    assert sm.prefill_attention_flops_per_slot == pytest.approx(10_240)
    dense = step_model(models["llama-3.1-70b"], p, "fp8", "fp8", 8, 1, 1, 1, EFF)
    assert dense.attention_flops_per_slot == pytest.approx(4_096)
    assert dense.prefill_attention_flops_per_slot == pytest.approx(4_096)
    # The prefill-only step's attention compute uses the decompressed figure: one 8,192-token prompt at
    # mean prefill context 4,096 over 61 layers -> 8,192 x 61 x 4,096 x 10,240 FLOPs at the fp8 peak.
    no_attn = replace(sm, prefill_attention_flops_per_slot=0.0, attention_flops_per_slot=0.0)
    with_attn = sm.step(0.0, 8192.0, 0.0, 4096.0)
    without = no_attn.step(0.0, 8192.0, 0.0, 4096.0)
    expected = 8192 * 61 * 4096 * 10_240 / (EFF.prefill_compute_fraction * sm.attention_peak)
    assert with_attn.total_s - without.total_s == pytest.approx(expected, rel=1e-9)


def test_attention_data_parallel_layout_by_hand(models, platforms):
    """DP attention + EP for DeepSeek-R1 on 8 x H200 (tp=1, dp=8, ep=8, as SGLang --enable-dp-attention /
    TRT-LLM enable_attention_dp): each rank runs attention for its own requests only.

    * no tp all-reduce (tp=1); two all-to-alls (dispatch, combine) per MoE layer: 58 MoE layers ->
      116 calls x 5 us / 0.7 = 828.6 us fixed;
    * attention and dense layers replicated on every rank, routed experts split 8 ways;
    * KV per rank = its own sequences at the full latent (MLA is never split by tp anyway);
    * a rank's experts see the tokens of all 8 ranks: expert_token_multiplier = ep / tp = 8."""
    m = models["deepseek-r1"]
    p = platforms["nvidia-h200-sxm-141gb"]
    dpa = step_model(m, p, "fp8", "fp8", 1, 1, 8, 8, EFF)
    tp8 = step_model(m, p, "fp8", "fp8", 8, 1, 8, 1, EFF)
    moe_layers = m.num_moe_layers or (m.num_layers - m.first_k_dense_layers)
    assert moe_layers == 58
    assert dpa.comm_fixed_s == pytest.approx(2 * 58 * 5e-6 / 0.7)
    assert dpa.expert_token_multiplier == 8
    assert dpa.dense_weight_bytes == pytest.approx(8 * tp8.dense_weight_bytes)
    assert dpa.expert_weight_bytes == pytest.approx(tp8.expert_weight_bytes)
    assert dpa.kv_bytes_per_slot == pytest.approx(tp8.kv_bytes_per_slot) == pytest.approx(576)
    # 16 heads per rank under tp=8, all 128 under DP attention: 8x the attention FLOPs per own token.
    assert dpa.attention_flops_per_slot == pytest.approx(8 * tp8.attention_flops_per_slot)
