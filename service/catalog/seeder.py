"""Loading the packaged reference data into the catalog, idempotently.

For each seed row: missing -> inserted (unless a user deleted it: tombstone); present and edited through
the API (``user_modified``) -> kept as the user left it; present with different seed values -> updated
(``revision`` bumped); otherwise kept. The catalog version is bumped once when anything changed, so a
second run changes nothing at all. Efficiency parameters are seeded as a set: once a calibration run
replaced them, the whole set is the operator's and is kept.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from service.catalog import repository, seed_data
from service.tables import Base, EfficiencyParams, Model, Platform, Price, SloPreset, TcoCost, utcnow

EFFICIENCY_SEED = seed_data.SEED_DIR / "efficiency_params.json"

Counts = dict[str, int]


def _platform_rows() -> list[dict[str, Any]]:
    # Per-accelerator rows first: rack rows reference them.
    return sorted(seed_data.platform_rows(), key=lambda r: r["per_accelerator_platform_id"] is not None)


SEEDED_TABLES: tuple[tuple[type[Base], Callable[[], list[dict[str, Any]]]], ...] = (
    (Platform, _platform_rows),
    (Model, seed_data.model_rows),
    (Price, seed_data.price_rows),
    (TcoCost, seed_data.tco_rows),
    (SloPreset, seed_data.slo_preset_rows),
)


def seed(session: Session, *, efficiency_seed: Path | None = None) -> Counts:
    """Bring the catalog up to the packaged seed data; returns how many rows were inserted, updated and
    kept. Only flushes: the caller's transaction commits."""
    counts: Counts = {"inserted": 0, "updated": 0, "kept": 0}
    repository.lock_catalog(session)
    for table, rows in SEEDED_TABLES:
        _seed_table(session, table, rows(), counts)
    _seed_efficiency(session, efficiency_seed or EFFICIENCY_SEED, counts)
    if counts["inserted"] or counts["updated"]:
        repository.bump_catalog_version(session)
    session.flush()
    return counts


def _seed_table(session: Session, table: type[Base], rows: list[dict[str, Any]], counts: Counts) -> None:
    existing = repository.all_rows(session, table)
    deleted = repository.tombstones(session, table.__tablename__)
    pk = table.__table__.primary_key.columns.values()[0].key
    editable = hasattr(table, "user_modified")
    now = utcnow()
    for row in rows:
        current = existing.get(row[pk])
        if current is None:
            if row[pk] in deleted:
                counts["kept"] += 1
                continue
            session.add(table(**row))
            counts["inserted"] += 1
            continue
        if editable and current.user_modified:
            counts["kept"] += 1
            continue
        changed = {name: value for name, value in row.items() if getattr(current, name) != value}
        if not changed:
            counts["kept"] += 1
            continue
        for name, value in changed.items():
            setattr(current, name, value)
        if editable:
            current.revision += 1
            current.updated_at = now
        counts["updated"] += 1
    session.flush()


def _seed_efficiency(session: Session, path: Path, counts: Counts) -> None:
    if not path.exists():
        return
    seed_rows = [repository.efficiency_seed_row(r) for r in json.loads(path.read_text(encoding="utf-8"))]
    existing = repository.all_rows(session, EfficiencyParams)
    if any(row.user_modified for row in existing.values()):
        counts["kept"] += len(seed_rows)
        return
    wanted = {row["id"]: row for row in seed_rows}
    stale = [row_id for row_id in existing if row_id not in wanted]
    repository.delete_rows(session, EfficiencyParams, stale)
    counts["updated"] += len(stale)
    for row_id, row in wanted.items():
        current = existing.get(row_id)
        if current is None:
            session.add(EfficiencyParams(**row))
            counts["inserted"] += 1
            continue
        changed = {
            name: value for name, value in row.items() if name != "fitted_at" and getattr(current, name) != value
        }
        if changed:
            for name, value in changed.items():
                setattr(current, name, value)
            counts["updated"] += 1
        else:
            counts["kept"] += 1
    session.flush()
