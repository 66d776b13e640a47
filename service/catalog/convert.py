"""Catalog rows (ORM objects or plain dicts with the table's column names) to engine specs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service.engine.specs import ModelSpec, PlatformSpec

_TERA = 1e12
_GIGA = 1e9


def _get(row: Any, name: str) -> Any:
    return row[name] if isinstance(row, Mapping) else getattr(row, name)


def _scaled(value: float | None, factor: float) -> float | None:
    return None if value is None else value * factor


def model_spec(row: Any) -> ModelSpec:
    g = lambda name: _get(row, name)  # noqa: E731
    return ModelSpec(
        id=g("id"),
        family=g("family"),
        params_total=g("params_total_b") * _GIGA,
        params_active=g("params_active_b") * _GIGA,
        num_layers=g("num_layers"),
        hidden_size=g("hidden_size"),
        num_attention_heads=g("num_attention_heads"),
        num_kv_heads=g("num_kv_heads"),
        head_dim=g("head_dim"),
        vocab_size=g("vocab_size"),
        max_context=g("max_context"),
        attention_type=g("attention_type") or "",
        intermediate_size=g("intermediate_size"),
        moe_intermediate_size=g("moe_intermediate_size"),
        num_experts=g("num_experts") or 0,
        experts_per_token=g("experts_per_token") or 0,
        num_shared_experts=g("num_shared_experts") or 0,
        first_k_dense_layers=g("first_k_dense_layers") or 0,
        num_moe_layers=g("num_moe_layers") or 0,
        kv_lora_rank=g("kv_lora_rank"),
        q_lora_rank=g("q_lora_rank"),
        qk_rope_head_dim=g("qk_rope_head_dim"),
        qk_nope_head_dim=g("qk_nope_head_dim"),
        v_head_dim=g("v_head_dim"),
        sliding_window=g("sliding_window"),
        local_attention_layers=g("local_attention_layers") or 0,
        tied_embeddings=bool(g("tied_embeddings")),
    )


def platform_spec(row: Any) -> PlatformSpec:
    """Per-accelerator spec. A rack row must be resolved to its per-accelerator row first."""
    g = lambda name: _get(row, name)  # noqa: E731
    if g("per_accelerator_platform_id"):
        raise ValueError(f"{g('id')} is a rack row; use {g('per_accelerator_platform_id')}")
    return PlatformSpec(
        id=g("id"),
        vendor=g("vendor"),
        name=g("name"),
        family=g("family"),
        memory_bytes=g("memory_gb") * _GIGA,
        hbm_bandwidth_bytes_per_s=g("hbm_bandwidth_tb_per_s") * _TERA,
        dense_bf16_flops_per_s=_scaled(g("dense_bf16_tflops"), _TERA),
        dense_fp8_flops_per_s=_scaled(g("dense_fp8_tflops"), _TERA),
        dense_fp6_flops_per_s=_scaled(g("dense_fp6_tflops"), _TERA),
        dense_fp4_flops_per_s=_scaled(g("dense_fp4_tflops"), _TERA),
        dense_int8_ops_per_s=_scaled(g("dense_int8_tops"), _TERA),
        scale_up_domain=g("scale_up_domain") or 1,
        scale_up_bandwidth_bytes_per_s=(g("scale_up_bandwidth_gb_per_s") or 0.0) * _GIGA,
        scale_out_bandwidth_bytes_per_s=_scaled(g("scale_out_bandwidth_gbit_per_s"), _GIGA / 8),
        tdp_w=g("tdp_w"),
        release_year=g("release_year"),
    )


def seed_specs() -> tuple[dict[str, ModelSpec], dict[str, PlatformSpec]]:
    """Specs straight from the packaged seed CSVs (no database): for calibration, benches and tests."""
    from service.catalog.seed_data import model_rows, platform_rows

    models = {r["id"]: model_spec(r) for r in model_rows()}
    platforms = {r["id"]: platform_spec(r) for r in platform_rows() if not r["per_accelerator_platform_id"]}
    return models, platforms
