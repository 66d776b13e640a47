"""Catalog test helpers: a migrated but empty database session, and a fingerprint of the whole catalog
to prove that a failed write changed nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from service import db, migrate
from service.catalog.repository import catalog_version

LISTS = ("platforms", "models", "prices", "tco-costs", "slo-presets", "efficiency-params")


@pytest.fixture
def db_session(database_url: str) -> Iterator[Session]:
    """A session on a database migrated to head but not seeded; the test commits what it wants kept."""
    migrate.upgrade(database_url)
    engine = db.make_engine(database_url)
    session = db.make_sessionmaker(engine)()
    try:
        yield session
    finally:
        session.close()
        engine.dispose()


def version_of(client: TestClient) -> int:
    with client.app.state.sessionmaker() as session:
        return catalog_version(session)


def fingerprint(client: TestClient) -> tuple[int, dict[str, object]]:
    """The catalog version and every list in full."""
    bodies = {name: client.get(f"/v1/{name}", params={"limit": 500}).json() for name in LISTS}
    return version_of(client), bodies
