"""The migrations build every table, go back to an empty database, and build it again, on SQLite and
PostgreSQL; the schema they build is the one ``service/tables.py`` describes."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from service import migrate
from service.tables import Base

TABLES = {
    "platforms",
    "models",
    "prices",
    "tco_costs",
    "slo_presets",
    "efficiency_params",
    "api_keys",
    "catalog_state",
    "catalog_tombstones",
}


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_up_down_up(database_url):
    migrate.upgrade(database_url)
    assert _tables(database_url) == TABLES
    engine = create_engine(database_url)
    try:
        assert migrate.current_revision(engine) == migrate.head_revision() == "0001"
        with engine.connect() as conn:
            assert conn.execute(text("SELECT id, version FROM catalog_state")).all() == [(1, 0)]
            # The database matches the ORM classes: nothing for autogenerate to add or change.
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
        columns = {c["name"] for c in inspect(engine).get_columns("api_keys")}
        assert "key_sha256" in columns and "key" not in columns
    finally:
        engine.dispose()

    migrate.downgrade(database_url, "base")
    assert _tables(database_url) == set()

    migrate.upgrade(database_url)
    assert _tables(database_url) == TABLES
