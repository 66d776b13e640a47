"""Memory and KV formulas against hand-computed values.

Sources: model configs as carried by ``service/catalog/seed/models.csv`` (HF ``config.json``), and
``ENGINE_NOTES.md`` (KV per token: MHA/GQA ``2 x layers x kv_heads x head_dim``; MLA ``layers x
(kv_lora_rank + qk_rope_head_dim)``; sliding-window layers hold at most ``window`` tokens).
"""

from __future__ import annotations

import pytest

from service.engine.memory import (
    kv_bytes_per_sequence_per_accelerator,
    kv_cache_bytes_per_token,
    kv_elements_per_token_per_layer,
    param_breakdown,
    weights_bytes_per_accelerator,
)


def test_llama_31_70b_gqa_kv_per_token(models):
    m = models["llama-3.1-70b"]
    # 2 (K and V) x 80 layers x 8 KV heads x 128 head_dim = 163,840 elements per token
    assert m.num_layers * kv_elements_per_token_per_layer(m) == 2 * 80 * 8 * 128 == 163_840
    # bf16: 163,840 x 2 B = 327,680 B = 320 KiB; fp8: 160 KiB
    assert kv_cache_bytes_per_token(m, "bf16") == 320 * 1024
    assert kv_cache_bytes_per_token(m, "fp8") == 160 * 1024


def test_llama_31_70b_kv_split_by_tp(models):
    m = models["llama-3.1-70b"]
    # tp=8 over 8 KV heads: one head per rank -> 1/8 of 320 KiB per token, for 4,096 tokens
    per_rank = kv_bytes_per_sequence_per_accelerator(m, "bf16", 4096, tp=8, pp=1)
    assert per_rank == pytest.approx(4096 * 320 * 1024 / 8)
    # tp=16 > 8 KV heads: heads are replicated, a rank still holds one whole head
    assert kv_bytes_per_sequence_per_accelerator(m, "bf16", 4096, tp=16, pp=1) == pytest.approx(per_rank)


def test_llama_31_70b_weights_fp8_tp8(models):
    m = models["llama-3.1-70b"]
    embedding = 128_256 * 8_192  # vocab x hidden = 1,050,673,152 (untied: the LM head is as large)
    layers = 70.55e9 - 2 * embedding  # 68,448,653,696 parameters in the 80 layers
    # fp8 layers (1 B) split 8 ways + bf16 embedding and LM head (2 B each) vocab-split 8 ways
    expected = layers * 1 / 8 + 2 * embedding * 2 / 8  # = 9.0814e9 B
    assert weights_bytes_per_accelerator(m, "fp8", tp=8, pp=1, ep=1) == pytest.approx(expected)
    assert expected == pytest.approx(9.0814e9, rel=1e-4)


def test_deepseek_r1_mla_kv_per_token(models):
    m = models["deepseek-r1"]
    # MLA: 61 layers x (kv_lora_rank 512 + qk_rope_head_dim 64) = 35,136 elements per token
    assert m.num_layers * kv_elements_per_token_per_layer(m) == 61 * (512 + 64) == 35_136
    assert kv_cache_bytes_per_token(m, "fp8") == 35_136
    # The latent is not split by tp: every tp rank holds all of it
    full = kv_bytes_per_sequence_per_accelerator(m, "fp8", 1000, tp=1, pp=1)
    assert kv_bytes_per_sequence_per_accelerator(m, "fp8", 1000, tp=8, pp=1) == full == 35_136 * 1000


def test_deepseek_r1_moe_weights_under_ep(models):
    m = models["deepseek-r1"]
    b = param_breakdown(m)
    # One routed expert over 58 MoE layers: (671.03e9 - 37.55e9) / (256 - 8) = 2.5544e9,
    # which matches the config: 58 layers x 3 x hidden 7168 x moe_intermediate 2048 = 2,554,331,136.
    assert b.expert_one == pytest.approx((671.03e9 - 37.55e9) / 248)
    assert b.expert_one == pytest.approx(58 * 3 * 7168 * 2048, rel=1e-3)
    embedding = 129_280 * 7_168  # 926,679,040
    experts = 256 * b.expert_one  # 653.9e9
    dense = 671.03e9 - experts - 2 * embedding  # attention, 3 dense layers, shared experts: 15.27e9
    assert b.layers_dense == pytest.approx(dense)
    # fp8, tp=1 attention with dp=8 and ep=8: dense layers whole, 1/8 of the experts, bf16 ends whole
    expected = dense + experts / 8 + 2 * embedding * 2  # = 100.71e9 B
    assert weights_bytes_per_accelerator(m, "fp8", tp=1, pp=1, ep=8) == pytest.approx(expected)
    assert expected == pytest.approx(100.71e9, rel=1e-3)
    # without ep, a single device would hold every expert: 671 GB at fp8 plus the bf16 ends
    assert weights_bytes_per_accelerator(m, "fp8", tp=1, pp=1, ep=1) > 670e9


def test_gpt_oss_120b_sliding_window_kv(models):
    m = models["gpt-oss-120b"]
    # GQA: 2 x 8 KV heads x 64 head_dim = 1,024 elements per layer and token
    assert kv_elements_per_token_per_layer(m) == 2 * 8 * 64
    # 36 layers, 18 of them sliding-window (128 tokens). At 8,192 tokens of context:
    # 18 x 8,192 + 18 x 128 = 149,760 layer-token slots x 1,024 x 2 B (bf16) = 306,708,480 B
    got = kv_bytes_per_sequence_per_accelerator(m, "bf16", 8192, tp=1, pp=1)
    assert got == (18 * 8192 + 18 * 128) * 1024 * 2 == 306_708_480
    # Below the window every layer holds the whole context: 36 x 100 x 1,024 x 2 B
    assert kv_bytes_per_sequence_per_accelerator(m, "bf16", 100, tp=1, pp=1) == 36 * 100 * 1024 * 2


def test_gpt_oss_120b_moe_breakdown(models):
    m = models["gpt-oss-120b"]
    b = param_breakdown(m)
    # (116.83e9 - 5.71e9) / (128 - 4) = 0.8961e9 per expert over 36 layers;
    # config: 36 x 3 x 2880 x 2880 = 895,795,200 (plus biases)
    assert b.expert_one == pytest.approx(36 * 3 * 2880 * 2880, rel=2e-3)
    # a token's matmul parameters: active minus the input embedding (201,088 x 2,880 untied)
    assert b.matmul_active == pytest.approx(5.71e9 - 201_088 * 2_880)
