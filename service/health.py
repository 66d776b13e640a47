"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from service.migrate import current_revision, head_revision

router = APIRouter(tags=["health"])


@router.get(
    "/livez",
    summary="The process is up",
    responses={200: {"content": {"application/json": {"example": {"status": "ok"}}}}},
)
async def livez() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="The database is reachable and migrated to head",
    responses={
        200: {"content": {"application/json": {"example": {
            "status": "ok", "database": "reachable", "revision": "0001",
            "cache": {"backend": "memory", "entries": 12, "max_entries": 10000}}}}},
        503: {"description": "Not ready: the body says why.", "content": {"application/json": {"example": {
            "status": "unavailable", "database": "reachable", "revision": None, "head": "0001",
            "detail": "Run `costcurve db upgrade`."}}}},
    },
)
def readyz(request: Request) -> JSONResponse:
    engine = request.app.state.engine
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        current = current_revision(engine)
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", and the reason is reported
        return JSONResponse({"status": "unavailable", "database": f"unreachable: {exc.__class__.__name__}"}, 503)
    head = head_revision()
    if current != head:
        return JSONResponse(
            {"status": "unavailable", "database": "reachable", "revision": current, "head": head,
             "detail": "Run `costcurve db upgrade`."},
            503,
        )
    return JSONResponse(
        {"status": "ok", "database": "reachable", "revision": current, "cache": request.app.state.cache.describe()}
    )
