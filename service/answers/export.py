"""CSV of an answer: one row per point of the JSON answer, then one row per pair that has no point
(``status`` = ``unmet``, with the reason), so the CSV carries the same data as the JSON."""

from __future__ import annotations

import csv
import io
from typing import Any

POINT_COLUMNS = [
    "status", "model", "params_total_b", "params_active_b", "moe", "platform", "platform_name", "unit", "rank",
    "precision", "num_accelerators", "tp", "pp", "ep", "dp", "framework", "concurrency",
    "usd_per_million_output_tokens", "usd_per_million_output_tokens_p10", "usd_per_million_output_tokens_p90",
    "usd_per_million_input_tokens", "usd_per_million_tokens_blended", "tokens_per_dollar",
    "output_tokens_per_s_per_accelerator", "output_tokens_per_s_per_accelerator_p10",
    "output_tokens_per_s_per_accelerator_p90", "interactivity_tokens_per_s_per_user", "ttft_ms", "tpot_ms",
    "output_tokens_per_s_per_mw", "usd_per_hour", "usd_per_unit_hour", "usd_per_accelerator_hour",
    "price_basis", "price_provider", "price_pricing_type", "price_source", "bottleneck",
    "revenue_usd", "infrastructure_cost_usd", "revenue_over_cost", "workload", "input_tokens", "output_tokens",
    "ttft_limit_ms", "tpot_limit_ms", "reason",
]

FRONTIER_COLUMNS = [
    "status", "model", "platform", "platform_name", "precision", "num_accelerators", "tp", "pp", "ep", "dp",
    "framework", "concurrency", "interactivity_tokens_per_s_per_user", "output_tokens_per_s_per_accelerator",
    "output_tokens_per_s_per_accelerator_p10", "output_tokens_per_s_per_accelerator_p90", "ttft_ms", "tpot_ms",
    "usd_per_million_output_tokens", "usd_per_million_output_tokens_p10", "usd_per_million_output_tokens_p90",
    "tokens_per_dollar", "output_tokens_per_s_per_mw", "usd_per_accelerator_hour", "price_basis",
    "workload", "input_tokens", "output_tokens", "reason",
]


def _common(answer: dict[str, Any]) -> dict[str, Any]:
    a = answer["assumptions"]
    return {
        "workload": a["workload_preset"] or "custom",
        "input_tokens": a["input_tokens"],
        "output_tokens": a["output_tokens"],
        "ttft_limit_ms": a["ttft_ms"],
        "tpot_limit_ms": a["tpot_ms"],
    }


def _point_row(p: dict[str, Any], common: dict[str, Any]) -> dict[str, Any]:
    row = {k: p.get(k) for k in POINT_COLUMNS if k in p}
    row.update(p["deployment"])
    row.update(common)
    price = p["price"]
    row.update(
        status="ok", usd_per_accelerator_hour=price["usd_per_accelerator_hour"], price_basis=price["basis"],
        price_provider=price.get("provider"), price_pricing_type=price.get("pricing_type"),
        price_source=price.get("source"),
    )
    if p.get("returns"):
        r = p["returns"]
        row.update(revenue_usd=r["revenue_usd"], infrastructure_cost_usd=r["infrastructure_cost_usd"],
                   revenue_over_cost=r["revenue_over_cost"])
    return row


def _unmet_row(u: dict[str, Any], common: dict[str, Any]) -> dict[str, Any]:
    return {"status": "unmet", "model": u["model"], "platform": u["platform"],
            "reason": f"{u['code']}: {u['reason']}", **common}


def _write(columns: list[str], rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return buffer.getvalue()


def to_csv(kind: str, answer: dict[str, Any]) -> str:
    common = _common(answer)
    if kind == "frontier":
        rows = []
        for series in answer["series"]:
            price = series.get("price") or {}
            for p in series["points"]:
                row = {k: p.get(k) for k in FRONTIER_COLUMNS if k in p}
                row.update(p["deployment"])
                row.update(common, status="ok", model=answer["model"], platform_name=series["platform_name"],
                           usd_per_accelerator_hour=price.get("usd_per_accelerator_hour"),
                           price_basis=price.get("basis"))
                rows.append(row)
        rows += [_unmet_row(u, common) for u in answer["unmet"]]
        return _write(FRONTIER_COLUMNS, rows)
    rows = [_point_row(p, common) for p in answer["points"]]
    rows += [_unmet_row(u, common) for u in answer["unmet"]]
    return _write(POINT_COLUMNS, rows)
