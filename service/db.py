"""Database engine, sessions and the one-transaction-per-request dependency."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from service.catalog.repository import CATALOG_WRITTEN


def make_engine(url: str) -> Engine:
    """An engine for ``url``; for SQLite the file's folder is created and foreign keys enforced."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # As many pooled connections as the request thread pool has threads (anyio's default is 40), so
        # connections are reused rather than opened and closed under load.
        engine = create_engine(
            url, connect_args={"check_same_thread": False}, pool_size=40, max_overflow=20
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=20, max_overflow=30)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)


def get_session(request: Request) -> Iterator[Session]:
    """One session per request; it commits once when the handler succeeded and rolls back otherwise,
    so a failed write changes nothing. Repositories only flush."""
    session: Session = request.app.state.sessionmaker()
    try:
        yield session
        session.commit()
        if session.info.pop(CATALOG_WRITTEN, False):
            request.app.state.contexts.invalidate()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]
