"""Time of one continuous-batching step on one accelerator of one pipeline stage.

A step carries ``b`` decode tokens and ``p`` prefill tokens (chunked prefill). Per accelerator:

* the kernels of a step run one after another, so each kernel class has its own roofline and the
  step is their **sum** (not one max over the whole step):

  - GEMMs: max(weight bytes / (HBM bw x f_bw), matmul FLOPs / (peak x f_c)); weight bytes = dense
    layers + routed experts x share of experts the step's tokens touch ``1 - (1 - k/E)^tokens``;
  - attention: max(KV bytes of the ``b`` sequences / (HBM bw x f_bw), attention FLOPs / (peak x f_c)),
    ``4 x heads x head_dim`` FLOPs per (layer, context token) (MLA absorbed at decode:
    ``2 x heads x (2 kv_lora_rank + qk_rope_head_dim)``);
  - activation and sampling traffic, per token: the elementwise kernels between GEMMs (norms,
    residuals, RoPE, SwiGLU, quantisation of activations) read and write the activations, and the
    sampler reads fp32 logits over the vocabulary; purely memory-bound, so it grows with the batch;

* plus a fixed step overhead (launch of the CUDA graph, scheduler) + host cost per token + communication:
  two tp all-reduces per layer (ring: ``2 (tp-1)/tp x tokens x hidden x 2 B``, plus a per-call latency);
  when experts span data-parallel attention ranks (ep > tp), a dispatch and a combine all-to-all per MoE
  layer sending each token to the distinct remote ranks among its k experts' hosts
  ``(ep - 1)(1 - (1 - 1/ep)^k)`` (ep <= tp needs none: every tp rank already holds the tokens); one pp
  hand-off per stage; over the scale-up link (or the NIC when a group spans domains) at
  ``interconnect_fraction`` of line rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from service.engine import capability
from service.engine.memory import (
    ACTIVATION_BYTES,
    WEIGHT_BYTES_PER_PARAM,
    kv_bytes_per_element,
    kv_elements_per_token_per_layer,
    kv_sharding,
    param_breakdown,
)
from service.engine.specs import Efficiency, ModelSpec, PlatformSpec

NVLINK_CALL_LATENCY_S = 5e-6
"""One all-reduce / all-to-all / send inside an NVLink, Infinity Fabric or ICI domain."""
PCIE_CALL_LATENCY_S = 20e-6
"""The same across PCIe peers (no NVLink; NCCL through host bridges)."""
SCALE_OUT_CALL_LATENCY_S = 15e-6

ACT_HIDDEN_TRIPS = 6.0
"""Activation vectors of ``hidden`` elements read or written per layer and token outside the GEMMs'
operands, with the serving stacks' fusions (residual add fused into RMSNorm: read 2, write 1, twice)."""
ACT_FFN_TRIPS = 2.0
"""Activation vectors of the per-rank FFN width per layer and token (SwiGLU fused into the gate/up GEMM
epilogue: its output written once and read once by the down projection)."""
KERNELS_ATTENTION = 6
"""Kernels of an attention block: norm, QKV GEMM, RoPE + KV write, attention, output GEMM, residual."""
KERNELS_MLA_EXTRA = 4
"""MLA adds the q down-projection and its norm, the latent norm and the absorbed up-projection."""
KERNELS_DENSE_FFN = 5
"""norm, gate/up GEMM, SwiGLU, down GEMM, residual."""
KERNELS_MOE_FFN = 9
"""norm, router GEMM, top-k, dispatch/permute, two grouped GEMMs, SwiGLU, combine, residual."""
KERNELS_SHARED_EXPERT = 3
"""A shared expert's gate/up GEMM, SwiGLU and down GEMM."""

LOGIT_BYTES_PER_VOCAB = 8.0
"""fp32 logits written by the LM head and read once by the fused softmax/top-k/sampling kernel."""


@dataclass(frozen=True)
class StepTime:
    total_s: float
    memory_s: float
    compute_s: float
    comm_s: float
    overhead_s: float

    @property
    def bottleneck(self) -> str:
        parts = {
            "memory bandwidth": self.memory_s if self.memory_s >= self.compute_s else 0.0,
            "compute": self.compute_s if self.compute_s > self.memory_s else 0.0,
            "interconnect": self.comm_s,
            "overhead": self.overhead_s,
        }
        return max(parts, key=parts.__getitem__)


@dataclass(frozen=True)
class StepModel:
    """Per-accelerator constants of one deployment; :meth:`step` is the hot path."""

    dense_weight_bytes: float
    expert_weight_bytes: float
    num_experts: int
    experts_per_token: int
    expert_token_multiplier: float
    """Tokens routed to this rank's experts per token of its own batch (ep spanning dp ranks)."""
    kv_bytes_per_slot: float
    """KV bytes per (layer, context token) slot, per accelerator."""
    act_bytes_per_token: float
    """Activation and logits traffic per token of the step, per accelerator (elementwise kernels)."""
    matmul_flops_per_token: float
    attention_flops_per_slot: float
    """Decode: attention FLOPs per (layer, context token) slot of one query token (MLA absorbed)."""
    num_layers_stage: float
    local_layers_stage: float
    window: float
    bandwidth: float
    matmul_peak: float
    attention_peak: float
    f_bw: float
    f_decode: float
    f_prefill: float
    overhead_s: float
    """Fixed cost per step on this stage: step overhead + kernels of its layers x kernel latency
    (a small kernel cannot finish faster than its launch, ramp-up and tail; at low batch these add up
    to most of the gap between weights / bandwidth and the measured step)."""
    token_overhead_s: float
    comm_fixed_s: float
    comm_s_per_token: float
    kernels: float = 0.0
    """Kernels one step launches on this stage (attention, FFN or MoE blocks of its layers)."""
    prefill_attention_flops_per_slot: float = 0.0
    """Prefill: attention FLOPs per slot of one prompt token; MLA prefill runs decompressed
    (multi-head) attention over ``qk_nope + qk_rope`` key and ``v_head`` value dims, not the absorbed
    latent form. 0 = same as decode."""

    def slots(self, context: float) -> float:
        """(layer, token) KV slots per sequence on this stage."""
        local = self.local_layers_stage
        return (self.num_layers_stage - local) * context + local * min(context, self.window)

    def step(self, b: float, p: float, ctx_decode: float, ctx_prefill: float) -> StepTime:
        tokens = b + p
        expert_bytes = 0.0
        if self.num_experts:
            routed = tokens * self.expert_token_multiplier
            touched = 1.0 - (1.0 - self.experts_per_token / self.num_experts) ** routed
            expert_bytes = self.expert_weight_bytes * touched
        bw = self.bandwidth * self.f_bw
        # GEMMs: weights streamed once per step vs matmul FLOPs of every token.
        gemm_mem = (self.dense_weight_bytes + expert_bytes) / bw
        gemm_cmp = (b / self.f_decode + p / self.f_prefill) * self.matmul_flops_per_token / self.matmul_peak
        # Attention: each decode sequence reads its own KV; prefill attention is compute.
        dec_slots = self.slots(ctx_decode)
        attn_mem = b * dec_slots * self.kv_bytes_per_slot / bw
        prefill_per_slot = self.prefill_attention_flops_per_slot or self.attention_flops_per_slot
        attn_cmp = (
            b * dec_slots / self.f_decode * self.attention_flops_per_slot
            + p * self.slots(ctx_prefill) / self.f_prefill * prefill_per_slot
        ) / self.attention_peak
        # Elementwise kernels and sampling: memory traffic per token.
        act_mem = tokens * self.act_bytes_per_token / bw
        memory_s = max(gemm_mem, gemm_cmp) if gemm_mem >= gemm_cmp else 0.0
        compute_s = gemm_cmp if gemm_cmp > gemm_mem else 0.0
        if attn_mem >= attn_cmp:
            memory_s += attn_mem
        else:
            compute_s += attn_cmp
        memory_s += act_mem
        comm_s = self.comm_fixed_s + tokens * self.comm_s_per_token if tokens > 0 else 0.0
        overhead_s = self.overhead_s + tokens * self.token_overhead_s
        total = memory_s + compute_s + overhead_s + comm_s
        return StepTime(total, memory_s, compute_s, comm_s, overhead_s)


def attention_flops_per_slot(model: ModelSpec, heads: int) -> tuple[float, float]:
    """(decode, prefill) attention FLOPs per (layer, context token) for one query token over ``heads``
    heads: QK^T and PV, 2 FLOPs per multiply-add.

    * MHA/GQA: ``2 x heads x head_dim`` each for QK^T and PV, so ``4 x heads x head_dim`` both phases.
    * MLA at decode (absorbed, as FlashMLA / TRT-LLM / SGLang run it): every head attends over the
      latent: QK^T over ``kv_lora_rank + qk_rope_head_dim``, PV over ``kv_lora_rank``:
      ``2 x heads x (2 kv_lora_rank + qk_rope_head_dim)``.
    * MLA at prefill (the serving stacks decompress the latent into per-head K and V, since with many
      query tokens the absorbed form costs more): QK^T over ``qk_nope + qk_rope`` and PV over
      ``v_head_dim``: ``2 x heads x (qk_nope + qk_rope + v_head)`` (DeepSeek-R1: 2 x 128 x 320 = 81,920
      vs 2 x 128 x 1,088 = 278,528 absorbed). The decompression GEMM (``kv_b_proj``) is part of the
      layer weights, counted once per token in the matmul FLOPs.
    """
    if model.is_mla:
        rope = model.qk_rope_head_dim or 0
        decode = 2.0 * heads * (2 * model.kv_lora_rank + rope)
        nope = model.qk_nope_head_dim if model.qk_nope_head_dim is not None else model.head_dim
        v = model.v_head_dim if model.v_head_dim is not None else model.head_dim
        return decode, 2.0 * heads * (nope + rope + v)
    dense = 4.0 * heads * model.head_dim
    return dense, dense


@lru_cache(maxsize=4096)
def step_model(
    model: ModelSpec,
    platform: PlatformSpec,
    precision: str,
    kv_precision: str,
    tp: int,
    pp: int,
    ep: int,
    dp: int,
    eff: Efficiency,
) -> StepModel:
    b = param_breakdown(model)
    wbytes = WEIGHT_BYTES_PER_PARAM[precision]
    # The LM head sits on the last stage; averaging it over stages keeps the stage time smooth.
    dense = (b.layers_dense * wbytes + b.lm_head * ACTIVATION_BYTES) / (tp * pp)
    experts = b.experts_total * wbytes / (max(tp, ep) * pp)
    layers_stage = model.num_layers / pp
    local_stage = (model.local_attention_layers if model.sliding_window else 0) / pp
    kv_slot = kv_elements_per_token_per_layer(model) * kv_bytes_per_element(kv_precision) * kv_sharding(model, tp)
    heads_rank = math.ceil(model.num_attention_heads / tp)
    attn_per_slot, prefill_per_slot = attention_flops_per_slot(model, heads_rank)
    matmul_peak = capability.matmul_flops(platform, precision)
    attention_peak = capability.matmul_flops(platform, "fp8" if kv_precision == "fp8" else "bf16")

    # Communication per step on this rank.
    domain = max(platform.scale_up_domain, 1)
    pcie = domain == 1
    link = platform.scale_up_bandwidth_bytes_per_s or 32e9
    scale_out = platform.scale_out_bandwidth_bytes_per_s or 25e9
    call_lat = PCIE_CALL_LATENCY_S if pcie else NVLINK_CALL_LATENCY_S
    # A PCIe box still holds 8 peers; groups larger than the domain go over the NIC.
    box = 8 if pcie else domain
    f_ic = eff.interconnect_fraction
    hidden_bytes = model.hidden_size * ACTIVATION_BYTES
    fixed = 0.0
    per_token = 0.0
    if tp > 1:
        bw, lat = (link, call_lat) if tp <= box else (scale_out, SCALE_OUT_CALL_LATENCY_S)
        calls = 2 * layers_stage
        fixed += calls * lat / f_ic
        per_token += calls * 2 * (tp - 1) / tp * hidden_bytes / (bw * f_ic)
    if ep > tp and model.is_moe:
        # Experts spread over data-parallel attention ranks: dispatch + combine all-to-all. Each token
        # goes once to every distinct remote rank hosting one of its k experts.
        bw, lat = (link, call_lat) if ep <= box else (scale_out, SCALE_OUT_CALL_LATENCY_S)
        moe_layers_stage = (model.num_moe_layers or model.num_layers) / pp
        calls = 2 * moe_layers_stage
        fixed += calls * lat / f_ic
        k = max(model.experts_per_token, 1)
        fan = (ep - 1) * (1.0 - (1.0 - 1.0 / ep) ** k)
        per_token += calls * fan * hidden_bytes / (bw * f_ic)
    if pp > 1:
        bw, lat = (link, call_lat) if tp * pp <= box else (scale_out, SCALE_OUT_CALL_LATENCY_S)
        fixed += lat / f_ic
        per_token += hidden_bytes / (bw * f_ic)

    # Elementwise activation traffic (bf16) per token on this rank, plus sampling over the vocabulary
    # (the LM head's logits, vocab-parallel over tp, averaged over pp stages like the LM head).
    if model.is_moe:
        moe_layers = model.num_moe_layers or (model.num_layers - model.first_k_dense_layers)
        width_moe = (model.experts_per_token + model.num_shared_experts) * (model.moe_intermediate_size or 0)
        width_dense = model.intermediate_size or 0
        ffn_width = (moe_layers * width_moe + (model.num_layers - moe_layers) * width_dense) / model.num_layers
    else:
        ffn_width = model.intermediate_size or 4 * model.hidden_size
    act_per_layer = ACTIVATION_BYTES * (ACT_HIDDEN_TRIPS * model.hidden_size + ACT_FFN_TRIPS * ffn_width / tp)
    act_token = act_per_layer * layers_stage + LOGIT_BYTES_PER_VOCAB * model.vocab_size / (tp * pp)

    # Kernels per step on this stage (each pays the kernel latency however small its work).
    moe_layers_all = (model.num_moe_layers or (model.num_layers - model.first_k_dense_layers)) if model.is_moe else 0
    attn_kernels = KERNELS_ATTENTION + (KERNELS_MLA_EXTRA if model.is_mla else 0)
    moe_kernels = KERNELS_MOE_FFN + (KERNELS_SHARED_EXPERT if model.num_shared_experts else 0)
    kernels = (
        model.num_layers * attn_kernels
        + moe_layers_all * moe_kernels
        + (model.num_layers - moe_layers_all) * KERNELS_DENSE_FFN
    ) / pp

    return StepModel(
        dense_weight_bytes=dense,
        expert_weight_bytes=experts,
        num_experts=b.num_experts,
        experts_per_token=b.experts_per_token,
        expert_token_multiplier=max(1.0, ep / tp),
        kv_bytes_per_slot=kv_slot,
        act_bytes_per_token=act_token,
        matmul_flops_per_token=2.0 * b.matmul_active / (tp * pp),
        attention_flops_per_slot=attn_per_slot,
        num_layers_stage=layers_stage,
        local_layers_stage=local_stage,
        window=float(model.sliding_window or 0),
        bandwidth=platform.hbm_bandwidth_bytes_per_s,
        matmul_peak=matmul_peak,
        attention_peak=attention_peak,
        f_bw=eff.hbm_bandwidth_fraction,
        f_decode=eff.compute_fraction,
        f_prefill=eff.prefill_compute_fraction,
        overhead_s=eff.step_overhead_s + kernels * eff.kernel_latency_s,
        token_overhead_s=eff.token_overhead_s,
        comm_fixed_s=fixed,
        comm_s_per_token=per_token,
        kernels=kernels,
        prefill_attention_flops_per_slot=prefill_per_slot,
    )
