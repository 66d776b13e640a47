"""The application factory. Nothing happens at import: run with
``uvicorn --factory service.main:create_app`` or ``costcurve serve``."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from service import __version__
from service.settings import Settings

log = logging.getLogger("costcurve")

DESCRIPTION = """
Estimates what LLM inference costs before the hardware is bought or rented: memory fit, latency,
throughput, cost per million tokens, tokens per dollar and tokens per megawatt, for a model on an
accelerator platform at a precision, a deployment and a workload.

* **Catalog** (`/v1/platforms`, `/v1/models`, `/v1/prices`): the specs and prices behind every answer,
  each number with its source. Reads are open; writes need an `X-API-Key`.
* **Estimates** (`POST /v1/estimate`, `POST /v1/estimate/batch`): one deployment, or up to 1,000.
* Errors are `application/problem+json` and say what to do instead.
"""


def _operation_id(route: APIRoute) -> str:
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def create_app(settings: Settings | None = None) -> FastAPI:
    from service import cache as cache_module
    from service import db
    from service.answers.router import router as answers_router
    from service.catalog.router import router as catalog_router
    from service.estimates.router import RawKeys, openapi_schemas
    from service.estimates.router import router as estimates_router
    from service.estimates.service import ContextHolder
    from service.health import router as health_router
    from service.problems import install_problem_handlers
    from service.timing import ServerTimingMiddleware
    from service.ui.router import router as ui_router

    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = db.make_engine(settings.sqlalchemy_url)
        app.state.engine = engine
        app.state.sessionmaker = db.make_sessionmaker(engine)
        if settings.auto_migrate:
            from service.catalog.seeder import seed
            from service.migrate import upgrade

            upgrade(settings.sqlalchemy_url)
            with app.state.sessionmaker.begin() as session:
                seed(session)
        app.state.cache = cache_module.build_cache(settings)
        app.state.contexts = ContextHolder(engine, app.state.sessionmaker)
        app.state.raw_keys = RawKeys(settings.cache_max_entries)
        try:
            yield
        finally:
            app.state.contexts.close()
            app.state.cache.close()
            engine.dispose()

    app = FastAPI(
        title="costcurve",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
    )
    app.state.settings = settings
    install_problem_handlers(app)
    app.add_middleware(ServerTimingMiddleware)
    # Routes are matched in order: the probes and the hot estimate path come first.
    app.include_router(health_router)
    app.include_router(estimates_router)
    app.include_router(catalog_router)
    app.include_router(answers_router)
    app.include_router(ui_router)

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                 routes=app.routes)
            schema.setdefault("components", {}).setdefault("schemas", {}).update(openapi_schemas())
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
