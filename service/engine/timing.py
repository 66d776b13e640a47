"""Time of one continuous-batching step on one accelerator of one pipeline stage.

A step carries ``b`` decode tokens and ``p`` prefill tokens (chunked prefill). Per accelerator:

* bytes read = dense-layer weights + routed-expert weights x share of experts the step's tokens touch
  ``1 - (1 - k/E)^tokens`` (uniform routing) + KV of the ``b`` sequences at their context;
* FLOPs = 2 x matmul parameters per token + attention ``4 x heads x head_dim`` per (layer, context
  token) (MLA absorbed: ``2 x heads x (2 kv_lora_rank + qk_rope_head_dim)``);
* time = max(bytes / (HBM bandwidth x f_bw), decode FLOPs / (peak x f_c) + prefill FLOPs /
  (peak x f_prefill)) + fixed step overhead + host overhead per token in the step + communication;
* communication: two tp all-reduces per layer (ring: ``2 (tp-1)/tp x tokens x hidden x 2 B``, plus a
  per-call latency), two ep all-to-alls per MoE layer, and one pp hand-off per stage, over the
  scale-up link (or the NIC when a group spans domains) at ``interconnect_fraction`` of line rate.
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
    matmul_flops_per_token: float
    attention_flops_per_slot: float
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
    token_overhead_s: float
    comm_fixed_s: float
    comm_s_per_token: float

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
        dec_slots = self.slots(ctx_decode)
        mem_bytes = self.dense_weight_bytes + expert_bytes + b * dec_slots * self.kv_bytes_per_slot
        memory_s = mem_bytes / (self.bandwidth * self.f_bw)
        compute_s = (
            b * self.matmul_flops_per_token / (self.matmul_peak * self.f_decode)
            + b * dec_slots * self.attention_flops_per_slot / (self.attention_peak * self.f_decode)
            + p * self.matmul_flops_per_token / (self.matmul_peak * self.f_prefill)
            + p * self.slots(ctx_prefill) * self.attention_flops_per_slot / (self.attention_peak * self.f_prefill)
        )
        comm_s = self.comm_fixed_s + tokens * self.comm_s_per_token if tokens > 0 else 0.0
        overhead_s = self.overhead_s + tokens * self.token_overhead_s
        total = max(memory_s, compute_s) + overhead_s + comm_s
        return StepTime(total, memory_s, compute_s, comm_s, overhead_s)


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
    if model.is_mla:
        attn_per_slot = 2.0 * heads_rank * (2 * model.kv_lora_rank + (model.qk_rope_head_dim or 0))
    else:
        attn_per_slot = 4.0 * heads_rank * model.head_dim
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
    if ep > 1 and model.is_moe:
        group = max(tp, ep)
        bw, lat = (link, call_lat) if group <= box else (scale_out, SCALE_OUT_CALL_LATENCY_S)
        moe_layers_stage = (model.num_moe_layers or model.num_layers) / pp
        calls = 2 * moe_layers_stage
        fixed += calls * lat / f_ic
        fan = min(model.experts_per_token, ep) * (ep - 1) / ep
        per_token += calls * fan * hidden_bytes / (bw * f_ic)
    if pp > 1:
        bw, lat = (link, call_lat) if tp * pp <= box else (scale_out, SCALE_OUT_CALL_LATENCY_S)
        fixed += lat / f_ic
        per_token += hidden_bytes / (bw * f_ic)

    return StepModel(
        dense_weight_bytes=dense,
        expert_weight_bytes=experts,
        num_experts=b.num_experts,
        experts_per_token=b.experts_per_token,
        expert_token_multiplier=max(1.0, ep / tp),
        kv_bytes_per_slot=kv_slot,
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
        overhead_s=eff.step_overhead_s,
        token_overhead_s=eff.token_overhead_s,
        comm_fixed_s=fixed,
        comm_s_per_token=per_token,
    )
