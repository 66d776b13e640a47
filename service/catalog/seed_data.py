"""Reading the packaged seed CSVs into rows shaped like the catalog tables.

The CSV headers are those of the reference catalog (``seed/SOURCES.md``); the tables use names that
carry their units. This module is the one place that maps one to the other.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

SEED_DIR = Path(__file__).resolve().parent / "seed"

Row = dict[str, Any]


def _csv(name: str) -> Iterator[dict[str, str]]:
    """Rows of a seed file; a ``source`` of ``same`` (the reference files' ditto) is replaced by
    the source of the row above it."""
    with open(SEED_DIR / name, newline="", encoding="utf-8") as f:
        previous = ""
        for row in csv.DictReader(f):
            if "source" in row:
                if row["source"].strip().lower() == "same":
                    row["source"] = previous
                previous = row["source"]
            yield row


def _float(value: str) -> float | None:
    return float(value) if value.strip() else None


def _int(value: str) -> int | None:
    return int(float(value)) if value.strip() else None


def slug(*parts: str) -> str:
    """Lower-case id made of the parts, e.g. ``nvidia-h100-sxm-80gb--aws--on-demand``."""
    return "--".join(re.sub(r"[^a-z0-9.]+", "-", p.lower()).strip("-") for p in parts)


def platform_rows() -> list[Row]:
    return [
        {
            "id": r["id"],
            "vendor": r["vendor"],
            "name": r["name"],
            "family": r["family"],
            "memory_gb": _float(r["memory_gb"]),
            "hbm_bandwidth_tb_per_s": _float(r["mem_bw_tb_s"]),
            "dense_bf16_tflops": _float(r["dense_tflops_bf16"]),
            "dense_fp8_tflops": _float(r["dense_tflops_fp8"]),
            "dense_fp6_tflops": _float(r["dense_tflops_fp6"]),
            "dense_fp4_tflops": _float(r["dense_tflops_fp4"]),
            "dense_int8_tops": _float(r["int8_tops"]),
            "scale_up_domain": _int(r["scale_up_domain"]),
            "scale_up_bandwidth_gb_per_s": _float(r["scale_up_bw_gb_s_per_gpu"]),
            "scale_up_bandwidth_direction": r["scale_up_bw_direction"] or None,
            "scale_out_bandwidth_gbit_per_s": _float(r["scale_out_bw"]),
            "tdp_w": _float(r["tdp_w"]),
            "release_year": _int(r["release_year"]),
            "per_accelerator_platform_id": r["per_accelerator_platform_id"] or None,
            "accelerators_per_unit": _int(r["accelerators_per_unit"]) or 1,
            "source": r["source"],
            "notes": r["notes"],
        }
        for r in _csv("platforms.csv")
    ]


_MODEL_INTS = (
    "num_layers hidden_size intermediate_size moe_intermediate_size num_attention_heads num_kv_heads "
    "head_dim vocab_size max_context num_experts experts_per_token num_shared_experts first_k_dense_layers "
    "num_moe_layers kv_lora_rank q_lora_rank qk_rope_head_dim qk_nope_head_dim v_head_dim sliding_window "
    "local_attention_layers"
).split()


def model_rows() -> list[Row]:
    rows = []
    for r in _csv("models.csv"):
        row: Row = {
            "id": r["id"],
            "family": r["family"],
            "params_total_b": _float(r["params_total_b"]),
            "params_active_b": _float(r["params_active_b"]),
            "attention_type": r["attention_type"],
            "tied_embeddings": r["tied_embeddings"].strip().lower() == "true",
            "source": r["source"],
            "notes": r["notes"],
        }
        row.update({k: _int(r[k]) for k in _MODEL_INTS})
        rows.append(row)
    return rows


def price_rows() -> list[Row]:
    return [
        {
            "id": slug(r["platform_id"], r["provider"], r["pricing_type"]),
            "platform_id": r["platform_id"],
            "provider": r["provider"],
            "pricing_type": r["pricing_type"],
            "usd_per_accelerator_hour": float(r["usd_per_accel_hour"]),
            "date": r["date"],
            "source": r["source"],
            "notes": r["notes"],
        }
        for r in _csv("prices.csv")
    ]


def tco_rows() -> list[Row]:
    return [
        {
            "platform_id": r["platform_id"],
            "all_in_kw_per_accelerator": float(r["all_in_kw_per_accelerator"]),
            "usd_per_accelerator_hour_hyperscaler_owned": float(r["usd_per_accel_hour_hyperscaler_owned"]),
            "usd_per_accelerator_hour_neocloud": float(r["usd_per_accel_hour_neocloud"]),
            "usd_per_accelerator_hour_3yr_rental": float(r["usd_per_accel_hour_3yr_rental"]),
            "source": r["source"],
            "notes": r["notes"],
        }
        for r in _csv("tco_inferencex.csv")
    ]


def slo_preset_rows() -> list[Row]:
    return [
        {
            "id": r["preset"],
            "model_class": r["model_class"],
            "ttft_ms": float(r["ttft_ms_p99"]),
            "tpot_ms": float(r["tpot_ms_p99"]),
            "source": r["source"],
        }
        for r in _csv("slo_presets.csv")
    ]


def calibration_case_rows(path: Path | None = None) -> list[dict[str, str]]:
    """Measured cases in the reference ``calibration.csv`` format (raw strings)."""
    if path is None:
        return list(_csv("calibration.csv"))
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))
