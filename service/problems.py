"""RFC 9457 problem details: one exception type and one set of handlers.

Every error leaves as ``application/problem+json`` with a ``type``, a ``title``, a human ``detail``
and, where it helps, what to do instead (``fix``, ``suggestions``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://costcurve.dev/problems/"
log = logging.getLogger(__name__)


class Problem(Exception):
    """An error to report to the client as problem details."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.title = title or code.replace("-", " ").replace("_", " ").capitalize()
        self.headers = headers
        self.extra = extra

    def body(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": TYPE_BASE + self.code,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        body.update({k: v for k, v in self.extra.items() if v is not None})
        return body


def problem_response(problem: Problem, instance: str | None = None) -> JSONResponse:
    return JSONResponse(
        problem.body(instance), status_code=problem.status, media_type=PROBLEM_MEDIA_TYPE, headers=problem.headers
    )


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(p) for p in loc if p != "body") or "body"


def validation_problem(errors: Sequence[Mapping[str, Any]]) -> Problem:
    """A 422 naming each invalid field (pydantic error dicts; a leading ``body`` is dropped)."""
    fields = [
        {"field": _location(e.get("loc", ())), "message": e.get("msg", ""), "type": e.get("type", "")}
        for e in errors
    ]
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in fields[:5])
    return Problem(
        422,
        "invalid-request",
        f"The request body or parameters are not valid: {summary}. Correct the named fields and retry; "
        "the OpenAPI document at /docs shows each field with an example.",
        title="Invalid request",
        errors=fields,
    )


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(validation_problem(exc.errors()), request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"No endpoint at {request.url.path}. The list of endpoints is at /docs."
        if exc.status_code == 405:
            detail = f"{request.method} is not allowed on {request.url.path}. /docs lists the allowed methods."
        problem = Problem(exc.status_code, f"http-{exc.status_code}", detail, headers=getattr(exc, "headers", None))
        return problem_response(problem, request.url.path)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        problem = Problem(
            500,
            "internal-error",
            "The service failed to answer this request; nothing was changed. Retry, and report it if it persists.",
            title="Internal error",
        )
        return problem_response(problem, request.url.path)
