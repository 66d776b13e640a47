"""``GET /`` and ``GET /ui``: the page, and its static script and style sheet.

No build step: the files under ``static/`` are served as they are. The page may be framed by any
site (it only reads public answers), so no ``X-Frame-Options`` is set.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse

from service.problems import Problem

STATIC_DIR = Path(__file__).parent / "static"
ASSETS = {"app.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8"}

router = APIRouter(tags=["ui"])


def _page() -> HTMLResponse:
    html = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    return HTMLResponse(html, headers={"Cache-Control": "no-cache"})


@router.get("/", include_in_schema=False)
def index() -> HTMLResponse:
    return _page()


@router.get("/ui", summary="The page: pick models, platforms, workload and pricing; see curve, frontier, table",
            description="Query parameters preset the page and make it embeddable in an iframe: `models`, "
            "`platforms`, `workload`, `min_tokens_per_s_per_user`, `ttft_ms`, `usd_per_accelerator_hour`, "
            "`frontier_model`, `embed=1` (hide the controls).",
            response_class=HTMLResponse)
def ui() -> HTMLResponse:
    return _page()


@router.get("/ui/static/{name}", include_in_schema=False)
def asset(name: str) -> FileResponse:
    if name not in ASSETS:
        raise Problem(404, "http-404", f"No asset '{name}'.")
    return FileResponse(STATIC_DIR / name, media_type=ASSETS[name], headers={"Cache-Control": "no-cache"})
