"""The whole catalog as plain values, for the estimator: read once per catalog version and reused."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from service.catalog import repository
from service.catalog.convert import model_spec, platform_spec
from service.engine.specs import ModelSpec, PlatformSpec
from service.tables import EfficiencyParams, Model, Platform, Price, SloPreset, TcoCost


@dataclass(frozen=True)
class CatalogSnapshot:
    version: int
    models: dict[str, ModelSpec]
    platforms: dict[str, PlatformSpec]
    """Per-accelerator rows only (rack rows excluded)."""
    platform_rows: dict[str, dict]
    """Every platform row incl. racks, with the table's data columns."""
    racks: dict[str, tuple[str, int]]
    """Rack id -> (per-accelerator platform id, accelerators_per_unit)."""
    prices: list[dict]
    tco: dict[str, dict]
    slo_presets: dict[str, dict]
    efficiency_rows: list[dict]


def catalog_version(session: Session | Connection) -> int:
    """The current catalog version (one primary-key SELECT)."""
    return repository.catalog_version(session)


def load_snapshot(session: Session) -> CatalogSnapshot:
    """Read every catalog table once (seven SELECTs) and build the engine specs. The version is read in
    the same transaction as the rows."""
    version = repository.catalog_version(session)
    platform_rows = {r["id"]: r for r in repository.row_dicts(session, Platform, order_by="id")}
    racks: dict[str, tuple[str, int]] = {}
    platforms: dict[str, PlatformSpec] = {}
    for row_id, row in platform_rows.items():
        if row["per_accelerator_platform_id"]:
            racks[row_id] = (row["per_accelerator_platform_id"], row["accelerators_per_unit"])
        else:
            platforms[row_id] = platform_spec(row)
    models = {r["id"]: model_spec(r) for r in repository.row_dicts(session, Model, order_by="id")}
    efficiency: list[dict[str, Any]] = repository.row_dicts(session, EfficiencyParams, order_by="id")
    for row in efficiency:
        row.pop("user_modified", None)
    return CatalogSnapshot(
        version=version,
        models=models,
        platforms=platforms,
        platform_rows=platform_rows,
        racks=racks,
        prices=repository.row_dicts(session, Price, order_by="id"),
        tco={r["platform_id"]: r for r in repository.row_dicts(session, TcoCost, order_by="platform_id")},
        slo_presets={r["id"]: r for r in repository.row_dicts(session, SloPreset, order_by="id")},
        efficiency_rows=efficiency,
    )
