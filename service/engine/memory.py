"""Weights, KV cache and memory capacity per accelerator.

Formulas follow ``ENGINE_NOTES.md`` (counting weights, KV per token, precision) and the models'
``config.json`` fields carried by :class:`ModelSpec`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from service.engine.specs import ModelSpec, PlatformSpec

GIB = 1024**3

WEIGHT_BYTES_PER_PARAM: dict[str, float] = {
    "bf16": 2.0,
    "fp8": 1.0,
    "int8": 1.0,
    "fp4": 4.5 / 8,
    "int4": 4.25 / 8,
}
"""bf16 2 B; fp8/int8 1 B; NVFP4 4 bits + one fp8 scale per 16 values = 4.5 bits;
int4 weight-only (AWQ/GPTQ, group 128 with fp16 scale and zero) ~ 4.25 bits."""

ACTIVATION_BYTES = 2
"""Activations and all-reduce buffers travel in bf16."""

RUNTIME_CONTEXT_BYTES = 1.0 * GIB
"""CUDA/ROCm context, NCCL buffers and the framework itself, before anything is allocated."""

WORKSPACE_BYTES = 2.0 * GIB
"""Activations and GEMM/attention workspace for one step of up to ``max_num_tokens`` tokens."""

KV_FREE_FRACTION = 0.9
"""Share of the memory left after weights and workspace given to the KV cache: TensorRT-LLM's
``kv_cache_free_gpu_mem_fraction`` and vLLM's ``gpu_memory_utilization`` default to 0.9."""


def kv_cache_precision(precision: str, fp8_native: bool) -> str:
    """fp8 KV cache alongside fp8/fp4 weights where the platform runs fp8 natively, else bf16."""
    return "fp8" if precision in ("fp8", "fp4") and fp8_native else "bf16"


def kv_bytes_per_element(kv_precision: str) -> float:
    return 1.0 if kv_precision == "fp8" else 2.0


@dataclass(frozen=True)
class ParamBreakdown:
    """Where a model's parameters sit (counts, not bytes).

    Routed experts are derived from the catalog totals so they agree with ``params_total`` and
    ``params_active``: the ``E - k`` experts a token skips hold ``total - active`` parameters, so one
    expert (summed over the MoE layers) holds ``(total - active) / (E - k)``.
    """

    embedding: float
    """Input embedding (``vocab x hidden``): a gather, never a matmul."""
    lm_head: float
    """Output projection (``vocab x hidden``), a matmul every step even when tied to the embedding."""
    lm_head_stored: float
    """0 when tied (the embedding's storage serves both)."""
    layers_dense: float
    """Attention, dense FFNs, shared experts, routers, norms: every layer, read by every token."""
    expert_one: float
    """One routed expert summed over all MoE layers."""
    num_experts: int
    experts_per_token: int

    @property
    def experts_total(self) -> float:
        return self.expert_one * self.num_experts

    @property
    def matmul_active(self) -> float:
        """Matmul parameters one token uses: layers + its k experts + LM head (no embedding)."""
        return self.layers_dense + self.expert_one * self.experts_per_token + self.lm_head


@lru_cache(maxsize=256)
def param_breakdown(model: ModelSpec) -> ParamBreakdown:
    embedding = float(model.vocab_size * model.hidden_size)
    lm_head_stored = 0.0 if model.tied_embeddings else embedding
    if model.is_moe and model.num_experts > model.experts_per_token:
        expert_one = (model.params_total - model.params_active) / (model.num_experts - model.experts_per_token)
    else:
        expert_one = 0.0
    experts_total = expert_one * model.num_experts
    layers_dense = max(model.params_total - experts_total - embedding - lm_head_stored, 0.0)
    return ParamBreakdown(
        embedding=embedding,
        lm_head=embedding,
        lm_head_stored=lm_head_stored,
        layers_dense=layers_dense,
        expert_one=expert_one,
        num_experts=model.num_experts if expert_one else 0,
        experts_per_token=model.experts_per_token if expert_one else 0,
    )


def weight_bytes(params: float, precision: str) -> float:
    return params * WEIGHT_BYTES_PER_PARAM[precision]


def weights_bytes_per_accelerator(model: ModelSpec, precision: str, *, tp: int, pp: int, ep: int) -> float:
    """Largest per-accelerator weight footprint.

    Layers (attention, dense FFN, shared experts) split by ``tp x pp``; routed experts split across
    ``max(tp, ep)`` ranks (whole experts by ep, each expert's matrices by the remaining tp) and by pp;
    embedding and LM head are vocab-parallel over tp and kept in bf16 (quantisation recipes leave
    them unquantised); with pp>1 the first stage holds the embedding, the last the LM head.
    """
    b = param_breakdown(model)
    layers = weight_bytes(b.layers_dense, precision) / (tp * pp)
    experts = weight_bytes(b.experts_total, precision) / (max(tp, ep) * pp)
    emb = b.embedding * ACTIVATION_BYTES / tp
    head = b.lm_head_stored * ACTIVATION_BYTES / tp
    ends = emb + head if pp == 1 else max(emb, head if head else emb)
    return layers + experts + ends


def kv_elements_per_token_per_layer(model: ModelSpec) -> float:
    """MLA: latent + decoupled RoPE key (``kv_lora_rank + qk_rope_head_dim``);
    MHA/GQA: K and V of every KV head (``2 x kv_heads x head_dim``)."""
    if model.is_mla:
        return float(model.kv_lora_rank + (model.qk_rope_head_dim or 0))
    return float(2 * model.num_kv_heads * model.head_dim)


def kv_cache_bytes_per_token(model: ModelSpec, kv_precision: str) -> float:
    """Whole model, all layers, before any split (local layers included, as for a short context)."""
    return model.num_layers * kv_elements_per_token_per_layer(model) * kv_bytes_per_element(kv_precision)


def kv_token_slots(model: ModelSpec, context_tokens: float) -> float:
    """Layer-token slots one sequence of ``context_tokens`` holds: local (sliding-window or chunked)
    layers keep at most ``sliding_window`` tokens."""
    local = model.local_attention_layers if model.sliding_window else 0
    window = model.sliding_window or 0
    return (model.num_layers - local) * context_tokens + local * min(context_tokens, window)


def kv_sharding(model: ModelSpec, tp: int) -> float:
    """Fraction of each layer's KV one tp rank holds: KV heads split by tp (replicated when tp
    exceeds the KV heads); MLA's single latent is replicated on every tp rank."""
    if model.is_mla:
        return 1.0
    return math.ceil(model.num_kv_heads / tp) / model.num_kv_heads


def kv_bytes_per_sequence_per_accelerator(
    model: ModelSpec, kv_precision: str, context_tokens: float, *, tp: int, pp: int
) -> float:
    return (
        kv_token_slots(model, context_tokens)
        * kv_elements_per_token_per_layer(model)
        * kv_bytes_per_element(kv_precision)
        * kv_sharding(model, tp)
        / pp
    )


def usable_bytes(platform: PlatformSpec) -> float:
    """Vendors' "GB" of HBM are GiB (an "80 GB" H100 reports 81,559 MiB); minus the runtime context."""
    return platform.memory_bytes / 1e9 * GIB - RUNTIME_CONTEXT_BYTES


@dataclass(frozen=True)
class MemoryPlan:
    capacity_bytes: float
    weights_bytes: float
    reserved_bytes: float
    kv_budget_bytes: float
    kv_bytes_per_sequence: float

    @property
    def max_sequences(self) -> int:
        if self.kv_budget_bytes <= 0 or self.kv_bytes_per_sequence <= 0:
            return 0
        return int(self.kv_budget_bytes // self.kv_bytes_per_sequence)


def memory_plan(
    model: ModelSpec,
    platform: PlatformSpec,
    precision: str,
    kv_precision: str,
    *,
    tp: int,
    pp: int,
    ep: int,
    context_tokens: float,
) -> MemoryPlan:
    """Per accelerator: weights, reserve (runtime, workspace, and the 10% the serving stack keeps free),
    KV budget, and the KV one sequence of ``context_tokens`` needs (reserved whole up front, as the
    schedulers' no-eviction policy does)."""
    capacity = usable_bytes(platform)
    weights = weights_bytes_per_accelerator(model, precision, tp=tp, pp=pp, ep=ep)
    free = capacity - weights - WORKSPACE_BYTES
    kv_budget = KV_FREE_FRACTION * free if free > 0 else free
    reserved = capacity - weights - max(kv_budget, 0.0) + RUNTIME_CONTEXT_BYTES
    per_seq = kv_bytes_per_sequence_per_accelerator(model, kv_precision, context_tokens, tp=tp, pp=pp)
    return MemoryPlan(
        capacity_bytes=capacity + RUNTIME_CONTEXT_BYTES,
        weights_bytes=weights,
        reserved_bytes=reserved,
        kv_budget_bytes=kv_budget,
        kv_bytes_per_sequence=per_seq,
    )
