"""Shared fixtures: every catalog, API and cache test runs on SQLite and on PostgreSQL, on a schema
built by the Alembic migrations; cache tests also run on Redis.

The PostgreSQL and Redis servers are real ones (defaults: the machine's 127.0.0.1 services). A server
that cannot be reached fails the test; set COSTCURVE_SKIP_MISSING_SERVICES=1 to skip instead on a
machine without them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from service.settings import Settings

POSTGRES_URL = os.environ.get(
    "COSTCURVE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("COSTCURVE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
TEST_API_KEY = "test-write-key-0123456789"


def _missing(service: str, exc: Exception) -> None:
    message = f"{service} is not reachable ({exc.__class__.__name__}: {exc})"
    if os.environ.get("COSTCURVE_SKIP_MISSING_SERVICES") == "1":
        pytest.skip(message)
    pytest.fail(message + "; start it, or set COSTCURVE_SKIP_MISSING_SERVICES=1 to skip these tests")


def _fresh_postgres() -> str:
    """An empty schema of this test process's own (parallel runs on one server don't collide),
    selected through the connection's search_path."""
    schema = f"costcurve_test_{os.getpid()}"
    engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # noqa: BLE001
        _missing("PostgreSQL", exc)
    finally:
        engine.dispose()
    separator = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """An empty database of each backend, not yet migrated."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'costcurve.sqlite3'}"
    return _fresh_postgres()


@pytest.fixture
def redis_url() -> Iterator[str]:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    except Exception as exc:  # noqa: BLE001
        _missing("Redis", exc)
    yield REDIS_URL
    client.flushdb()
    client.close()


def make_settings(database_url: str, **overrides) -> Settings:
    values = {"database_url": database_url, "redis_url": None, "api_keys": [TEST_API_KEY], "auto_migrate": True}
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The app on a migrated, seeded database of each backend."""
    from service.main import create_app

    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def write_headers() -> dict[str, str]:
    return {"X-API-Key": TEST_API_KEY}
