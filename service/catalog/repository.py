"""All SQL of the catalog. Functions here only flush; the request's session dependency commits."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.orm import Session

from service.tables import (
    BOOKKEEPING_COLUMNS,
    Base,
    CatalogState,
    CatalogTombstone,
    EfficiencyParams,
    Model,
    Platform,
    Price,
    TcoCost,
    utcnow,
)

T = TypeVar("T", bound=Base)

CATALOG_STATE_ID = 1


def data_columns(table: type[Base]) -> list[str]:
    """The table's own columns, without the bookkeeping ones: the keys of a seed row."""
    return [c.key for c in table.__table__.columns if c.key not in BOOKKEEPING_COLUMNS]


# ---- catalog version ----------------------------------------------------------------------------------


CATALOG_WRITTEN = "costcurve.catalog_written"
"""Key in ``Session.info`` set by every catalog write, so that the request's session dependency can
tell this instance's estimate path, after the commit, that the version changed."""

_VERSION_QUERY = select(CatalogState.version).where(CatalogState.id == CATALOG_STATE_ID)
_VERSION_SQL = f"SELECT version FROM {CatalogState.__tablename__} WHERE id = {CATALOG_STATE_ID}"


def catalog_version_dbapi(dbapi_connection: Any) -> int:
    """The catalog version read through a bare DB-API connection: the cheapest read there is, for the
    per-request check of cached estimates on an SQLite file."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(_VERSION_SQL)
        row = cursor.fetchone()
    finally:
        cursor.close()
    return row[0] if row else 0


def catalog_version(session: Session | Connection) -> int:
    """The catalog version; takes a bare Connection too, which is several times cheaper per call
    than a Session on the hot path of cached estimates."""
    return session.execute(_VERSION_QUERY).scalar_one_or_none() or 0


def lock_catalog(session: Session) -> None:
    """Hold the catalog_state row until the transaction ends (PostgreSQL ``FOR UPDATE``; SQLite locks the
    whole file on write anyway), so that two instances starting at once do not seed the same rows."""
    session.execute(select(CatalogState.id).where(CatalogState.id == CATALOG_STATE_ID).with_for_update())


def bump_catalog_version(session: Session) -> int:
    """Add one to the catalog version in the current transaction and return the new value.

    A single ``UPDATE ... SET version = version + 1`` so that concurrent writers serialise on the row
    (PostgreSQL row lock) instead of both writing the same number."""
    now = utcnow()
    session.info[CATALOG_WRITTEN] = True
    result = session.execute(
        update(CatalogState)
        .where(CatalogState.id == CATALOG_STATE_ID)
        .values(version=CatalogState.version + 1, updated_at=now)
        .returning(CatalogState.version)
    )
    version = result.scalar_one_or_none()
    if version is None:  # a schema built without the migration's initial row
        session.execute(insert(CatalogState).values(id=CATALOG_STATE_ID, version=1, updated_at=now))
        version = 1
    return version


# ---- generic rows -------------------------------------------------------------------------------------


def get(session: Session, table: type[T], row_id: str) -> T | None:
    return session.get(table, row_id)


def ids(session: Session, table: type[Base]) -> list[str]:
    pk = table.__table__.primary_key.columns.values()[0]
    return list(session.execute(select(pk).order_by(pk)).scalars())


def page(
    session: Session,
    table: type[T],
    *,
    filters: Sequence[Any] = (),
    limit: int,
    offset: int,
) -> tuple[list[T], int]:
    """One page of rows in primary-key order, and how many rows match ``filters`` in all."""
    pk = table.__table__.primary_key.columns.values()[0]
    total = session.execute(select(func.count()).select_from(table).where(*filters)).scalar_one()
    rows = session.execute(select(table).where(*filters).order_by(pk).limit(limit).offset(offset)).scalars()
    return list(rows), total


def platform_filters(*, vendor: str | None, family: str | None) -> list[Any]:
    filters: list[Any] = []
    if vendor:
        filters.append(func.lower(Platform.vendor) == vendor.lower())
    if family:
        filters.append(Platform.family == family)
    return filters


def model_filters(*, family: str | None, moe: bool | None) -> list[Any]:
    filters: list[Any] = []
    if family:
        filters.append(Model.family == family)
    if moe is True:
        filters.append(func.coalesce(Model.num_experts, 0) > 0)
    elif moe is False:
        filters.append(func.coalesce(Model.num_experts, 0) == 0)
    return filters


def price_filters(*, platform_id: str | None, provider: str | None, pricing_type: str | None) -> list[Any]:
    filters: list[Any] = []
    if platform_id:
        filters.append(Price.platform_id == platform_id)
    if provider:
        filters.append(func.lower(Price.provider) == provider.lower())
    if pricing_type:
        filters.append(Price.pricing_type == pricing_type)
    return filters


def add(session: Session, row: Base) -> None:
    session.add(row)
    session.flush()


def remove(session: Session, row: Base) -> None:
    session.delete(row)
    session.flush()


def platform_references(session: Session, platform_id: str) -> dict[str, list[str]]:
    """Rows that name ``platform_id``, by what they are; empty when it can be deleted."""
    references = {
        "prices": list(
            session.execute(select(Price.id).where(Price.platform_id == platform_id).order_by(Price.id)).scalars()
        ),
        "tco-costs": list(
            session.execute(select(TcoCost.platform_id).where(TcoCost.platform_id == platform_id)).scalars()
        ),
        "platforms": list(
            session.execute(
                select(Platform.id).where(Platform.per_accelerator_platform_id == platform_id).order_by(Platform.id)
            ).scalars()
        ),
    }
    return {kind: found for kind, found in references.items() if found}


# ---- tombstones (seeded rows a user deleted) -----------------------------------------------------------


def add_tombstone(session: Session, table_name: str, row_id: str) -> None:
    if session.get(CatalogTombstone, (table_name, row_id)) is None:
        session.add(CatalogTombstone(table_name=table_name, row_id=row_id))
        session.flush()


def remove_tombstone(session: Session, table_name: str, row_id: str) -> None:
    session.execute(
        delete(CatalogTombstone).where(CatalogTombstone.table_name == table_name, CatalogTombstone.row_id == row_id)
    )


def tombstones(session: Session, table_name: str) -> set[str]:
    return set(
        session.execute(select(CatalogTombstone.row_id).where(CatalogTombstone.table_name == table_name)).scalars()
    )


# ---- whole-table reads for the seeder and snapshots ------------------------------------------------------


def all_rows(session: Session, table: type[T]) -> dict[str, T]:
    pk = table.__table__.primary_key.columns.values()[0]
    return {getattr(row, pk.key): row for row in session.execute(select(table)).scalars()}


def row_dicts(session: Session, table: type[Base], *, order_by: str | None = None) -> list[dict[str, Any]]:
    """Every row as a plain dict of its data columns (one SELECT, no ORM objects)."""
    columns = [table.__table__.c[name] for name in data_columns(table)]
    statement = select(*columns)
    if order_by:
        statement = statement.order_by(table.__table__.c[order_by])
    return [dict(row) for row in session.execute(statement).mappings()]


# ---- efficiency parameters ------------------------------------------------------------------------------


def replace_efficiency_rows(session: Session, rows: list[dict]) -> None:
    """Replace the whole set of fitted efficiency parameters (a calibration run) and bump the catalog
    version. Each row holds the ``efficiency_params`` columns (``fitted_at`` defaults to now); the set
    is marked as the operator's, so the seeder keeps it from then on."""
    allowed = set(data_columns(EfficiencyParams)) - {"user_modified"}
    now = utcnow()
    prepared = []
    for row in rows:
        unknown = set(row) - allowed
        if unknown:
            raise ValueError(f"unknown efficiency_params columns: {sorted(unknown)}")
        if not row.get("id"):
            raise ValueError("every efficiency_params row needs an id")
        prepared.append(_efficiency_row(row, fitted_at=_datetime(row.get("fitted_at")) or now, user_modified=True))
    session.execute(delete(EfficiencyParams))
    if prepared:
        session.execute(insert(EfficiencyParams), prepared)
    bump_catalog_version(session)
    session.flush()


def _efficiency_row(row: Mapping[str, Any], **overrides: Any) -> dict[str, Any]:
    values = {
        "id": row["id"],
        "platform_family": row.get("platform_family"),
        "platform_id": row.get("platform_id"),
        "precision": row.get("precision"),
        "framework": row.get("framework"),
        "params": {str(k): float(v) for k, v in dict(row.get("params") or {}).items()},
        "residual_p10": row.get("residual_p10"),
        "residual_p90": row.get("residual_p90"),
        "n_cases": int(row.get("n_cases") or 0),
        "provenance": row.get("provenance") or "",
        "fitted_at": _datetime(row.get("fitted_at")),
        "user_modified": False,
    }
    values.update(overrides)
    return values


def _datetime(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def efficiency_seed_row(row: Mapping[str, Any]) -> dict[str, Any]:
    return _efficiency_row(row)


def insert_rows(session: Session, table: type[Base], rows: Iterable[dict[str, Any]]) -> None:
    rows = list(rows)
    if rows:
        session.execute(insert(table), rows)


def delete_rows(session: Session, table: type[Base], row_ids: Iterable[str]) -> None:
    pk = table.__table__.primary_key.columns.values()[0]
    row_ids = list(row_ids)
    if row_ids:
        session.execute(delete(table).where(pk.in_(row_ids)))
