"""HTTP layer of the catalog: parameters in, service call, JSON out with an ETag. Reads are open;
writes need an API key (``X-API-Key``)."""

# No ``from __future__ import annotations``: the route functions are built in a factory and FastAPI
# must see their parameter types as objects, not as strings naming local variables.

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from service.auth import WriteAuth
from service.catalog import repository, schemas, service
from service.catalog.service import MODELS, PLATFORMS, PRICES, Kind
from service.db import SessionDep
from service.problems import PROBLEM_MEDIA_TYPE, TYPE_BASE
from service.tables import EfficiencyParams, Model, Platform, Price, SloPreset, TcoCost

router = APIRouter(prefix="/v1", tags=["catalog"])

Limit = Annotated[int, Query(ge=1, le=500, description="Items per page (at most 500).")]
Offset = Annotated[int, Query(ge=0, description="Items to skip.")]
IfNoneMatch = Annotated[
    str | None, Header(description="An ETag from an earlier answer: 304 with no body when it is still current.")
]
IfMatch = Annotated[
    str | None,
    Header(description="The ETag you read: the write happens only if the row is unchanged since (else 412)."),
]

ETAG_HEADER = {
    "ETag": {
        "description": "sha256 of the representation; send it back in If-None-Match / If-Match.",
        "schema": {"type": "string"},
    }
}


# ---- documentation of answers -------------------------------------------------------------------------


def _problem_example(status: int, code: str, title: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {
        "model": schemas.ProblemDetails,
        "description": title,
        "content": {
            PROBLEM_MEDIA_TYPE: {
                "example": {"type": TYPE_BASE + code, "title": title, "status": status, "detail": detail, **extra}
            }
        },
    }


def _ok(description: str, example: Any) -> dict[str, Any]:
    return {"description": description, "headers": ETAG_HEADER, "content": {"application/json": {"example": example}}}


def _page(example: dict[str, Any]) -> dict[str, Any]:
    return {"items": [example], "total": 1, "limit": 50, "offset": 0}


NOT_MODIFIED = {304: {"description": "Not modified: the If-None-Match ETag is still current."}}
INVALID = {
    422: _problem_example(
        422,
        "invalid-request",
        "Invalid request",
        "The request body or parameters are not valid: memory_gb: Input should be greater than 0. "
        "Correct the named fields and retry.",
        errors=[{"field": "memory_gb", "message": "Input should be greater than 0", "type": "greater_than"}],
    )
}
UNAUTHORIZED = {
    401: _problem_example(
        401,
        "unauthorized",
        "API key required",
        "Writes need an API key in the X-API-Key header. Create one with `costcurve create-api-key NAME`.",
    )
}
STALE = {
    412: _problem_example(
        412,
        "precondition-failed",
        "Precondition failed",
        "The platform 'nvidia-h100-sxm-80gb' changed since you read it. Nothing was changed; GET it again "
        "and retry with its current ETag.",
        current_etag='"6f1c…"',
    )
}


def _not_found(kind: str, wanted: str, suggestions: list[str]) -> dict[int, dict[str, Any]]:
    return {
        404: _problem_example(
            404,
            "not-found",
            f"Unknown {kind}",
            f"No {kind} '{wanted}'. Closest ids: {', '.join(suggestions)}.",
            suggestions=suggestions,
        )
    }


def _conflict(detail: str) -> dict[int, dict[str, Any]]:
    return {409: _problem_example(409, "conflict", "Conflict", detail)}


# ---- responses with ETags -----------------------------------------------------------------------------


def _json(body: Any, *, tag: str, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(body, status_code=status_code, headers={"ETag": tag, **(headers or {})})


def _conditional(body: Any, *, tag: str, if_none_match: str | None) -> Response:
    if service.etag_matches(if_none_match, tag):
        return Response(status_code=304, headers={"ETag": tag})
    return _json(body, tag=tag)


def _list(body: dict[str, Any], if_none_match: str | None) -> Response:
    return _conditional(body, tag=service.etag(body), if_none_match=if_none_match)


# ---- lists --------------------------------------------------------------------------------------------


@router.get(
    "/platforms",
    summary="List accelerator platforms",
    description="Platforms in id order, each with its memory, bandwidth, dense throughput per precision, "
    "interconnect, power and source. Filter by vendor (case-insensitive) or calibration family.",
    response_model=schemas.Page[schemas.PlatformRead],
    responses={
        200: _ok("One page of platforms.", _page(schemas.PlatformRead.model_json_schema()["examples"][0])),
        **NOT_MODIFIED,
    },
)
def list_platforms(
    session: SessionDep,
    vendor: Annotated[str | None, Query(description="e.g. NVIDIA, AMD, Google.")] = None,
    family: Annotated[str | None, Query(description="e.g. nvidia-hopper, amd-cdna3.")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
    if_none_match: IfNoneMatch = None,
) -> Response:
    filters = repository.platform_filters(vendor=vendor, family=family)
    body = service.list_page(session, Platform, schemas.PlatformRead, filters=filters, limit=limit, offset=offset)
    return _list(body, if_none_match)


@router.get(
    "/models",
    summary="List models",
    description="Model architectures in id order (layers, heads, KV heads, FFN and expert sizes, MLA ranks, "
    "sliding window, parameters), each with its source. Filter by family or by mixture-of-experts.",
    response_model=schemas.Page[schemas.ModelRead],
    responses={
        200: _ok("One page of models.", _page(schemas.ModelRead.model_json_schema()["examples"][0])),
        **NOT_MODIFIED,
    },
)
def list_models(
    session: SessionDep,
    family: Annotated[str | None, Query(description="e.g. llama3, qwen3, deepseek.")] = None,
    moe: Annotated[bool | None, Query(description="true: mixture-of-experts models only; false: dense only.")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
    if_none_match: IfNoneMatch = None,
) -> Response:
    filters = repository.model_filters(family=family, moe=moe)
    body = service.list_page(session, Model, schemas.ModelRead, filters=filters, limit=limit, offset=offset)
    return _list(body, if_none_match)


@router.get(
    "/prices",
    summary="List accelerator-hour prices",
    description="Prices in id order, each with its provider, pricing type, date and source. Filter by platform, "
    "provider (case-insensitive) or pricing type.",
    response_model=schemas.Page[schemas.PriceRead],
    responses={
        200: _ok("One page of prices.", _page(schemas.PriceRead.model_json_schema()["examples"][0])),
        **NOT_MODIFIED,
    },
)
def list_prices(
    session: SessionDep,
    platform_id: Annotated[str | None, Query(description="e.g. nvidia-h100-sxm-80gb.")] = None,
    provider: Annotated[str | None, Query(description="e.g. AWS, Lambda, CoreWeave.")] = None,
    pricing_type: Annotated[str | None, Query(description="e.g. on-demand, spot, reserved.")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
    if_none_match: IfNoneMatch = None,
) -> Response:
    filters = repository.price_filters(platform_id=platform_id, provider=provider, pricing_type=pricing_type)
    body = service.list_page(session, Price, schemas.PriceRead, filters=filters, limit=limit, offset=offset)
    return _list(body, if_none_match)


@router.get(
    "/tco-costs",
    summary="List all-in ownership and rental costs",
    description="Per-accelerator all-in power and cost per hour (owned by a hyperscaler, neocloud, 3-year "
    "rental), from the InferenceX TCO model.",
    response_model=schemas.Page[schemas.TcoCostRead],
    responses={
        200: _ok("One page of TCO rows.", _page(schemas.TcoCostRead.model_json_schema()["examples"][0])),
        **NOT_MODIFIED,
    },
)
def list_tco_costs(
    session: SessionDep, limit: Limit = 50, offset: Offset = 0, if_none_match: IfNoneMatch = None
) -> Response:
    body = service.list_page(session, TcoCost, schemas.TcoCostRead, limit=limit, offset=offset)
    return _list(body, if_none_match)


@router.get(
    "/slo-presets",
    summary="List latency target presets",
    description="p99 TTFT and TPOT targets from benchmark rules (MLPerf Inference), usable as `slo`.",
    response_model=schemas.Page[schemas.SloPresetRead],
    responses={
        200: _ok("One page of SLO presets.", _page(schemas.SloPresetRead.model_json_schema()["examples"][0])),
        **NOT_MODIFIED,
    },
)
def list_slo_presets(
    session: SessionDep, limit: Limit = 50, offset: Offset = 0, if_none_match: IfNoneMatch = None
) -> Response:
    body = service.list_page(session, SloPreset, schemas.SloPresetRead, limit=limit, offset=offset)
    return _list(body, if_none_match)


@router.get(
    "/efficiency-params",
    summary="List fitted efficiency parameters",
    description="Achieved fractions of peak bandwidth and compute, fitted by calibration against measured "
    "cases, per platform family / platform / precision / framework (null = any), with residual spread.",
    response_model=schemas.Page[schemas.EfficiencyParamsRead],
    responses={
        200: _ok(
            "One page of efficiency parameters.",
            _page(schemas.EfficiencyParamsRead.model_json_schema()["examples"][0]),
        ),
        **NOT_MODIFIED,
    },
)
def list_efficiency_params(
    session: SessionDep, limit: Limit = 50, offset: Offset = 0, if_none_match: IfNoneMatch = None
) -> Response:
    body = service.list_page(session, EfficiencyParams, schemas.EfficiencyParamsRead, limit=limit, offset=offset)
    return _list(body, if_none_match)


# ---- one item: GET, POST, PUT, PATCH, DELETE ----------------------------------------------------------


def _item_routes(
    kind: Kind,
    *,
    create: type[BaseModel],
    replace: type[BaseModel],
    update: type[BaseModel],
    example: dict[str, Any],
    missing: tuple[str, list[str]],
    conflict_on_delete: str | None,
) -> None:
    """GET/PUT/PATCH/DELETE /v1/{plural}/{id} and POST /v1/{plural} for one editable kind."""
    id_param = f"{kind.name}_id"
    ItemId = Annotated[str, Path(alias=id_param, description=f"The {kind.name}'s id, e.g. {example['id']}.")]
    read_example = kind.read.model_json_schema()["examples"][0]
    not_found = _not_found(kind.name, *missing)
    item_path = f"/{kind.plural}/{{{id_param}}}"

    def get_one(session: SessionDep, item_id: ItemId, if_none_match: IfNoneMatch = None) -> Response:
        item = service.get_item(session, kind, item_id)
        return _conditional(item, tag=service.item_etag(item), if_none_match=if_none_match)

    def create_one(session: SessionDep, _key: WriteAuth, body: create) -> Response:  # type: ignore[valid-type]
        item = service.create_item(session, kind, body)
        location = f"/v1/{kind.plural}/{item['id']}"
        return _json(item, tag=service.item_etag(item), status_code=201, headers={"Location": location})

    def replace_one(
        session: SessionDep,
        _key: WriteAuth,
        item_id: ItemId,
        body: replace,  # type: ignore[valid-type]
        if_match: IfMatch = None,
    ) -> Response:
        item = service.replace_item(session, kind, item_id, body, if_match=if_match)
        return _json(item, tag=service.item_etag(item))

    def update_one(
        session: SessionDep,
        _key: WriteAuth,
        item_id: ItemId,
        body: update,  # type: ignore[valid-type]
        if_match: IfMatch = None,
    ) -> Response:
        item = service.update_item(session, kind, item_id, body, if_match=if_match)
        return _json(item, tag=service.item_etag(item))

    def delete_one(session: SessionDep, _key: WriteAuth, item_id: ItemId, if_match: IfMatch = None) -> Response:
        service.delete_item(session, kind, item_id, if_match=if_match)
        return Response(status_code=204)

    written = _ok(f"The {kind.name} as stored now.", read_example)
    router.add_api_route(
        item_path,
        get_one,
        methods=["GET"],
        name=f"get_{kind.name}",
        summary=f"Get one {kind.name}",
        description=f"The {kind.name} with its source. An unknown id gets 404 with the closest ids.",
        response_model=kind.read,
        responses={200: _ok(f"The {kind.name}.", read_example), **NOT_MODIFIED, **not_found},
    )
    router.add_api_route(
        f"/{kind.plural}",
        create_one,
        methods=["POST"],
        name=f"create_{kind.name}",
        summary=f"Add a {kind.name}",
        description=f"Creates a {kind.name} (API key required). 409 when the id exists.",
        status_code=201,
        response_model=kind.read,
        responses={
            201: {**written, "description": f"The {kind.name} created."},
            **UNAUTHORIZED,
            **_conflict(f"A {kind.name} with id '{example['id']}' already exists. Use PUT to replace it."),
            **INVALID,
        },
    )
    router.add_api_route(
        item_path,
        replace_one,
        methods=["PUT"],
        name=f"replace_{kind.name}",
        summary=f"Replace a {kind.name}",
        description=f"Replaces every field of the {kind.name} (API key required). Send If-Match with the "
        "ETag you read to be sure nobody changed it meanwhile (412 otherwise).",
        response_model=kind.read,
        responses={200: written, **UNAUTHORIZED, **not_found, **STALE, **INVALID},
    )
    router.add_api_route(
        item_path,
        update_one,
        methods=["PATCH"],
        name=f"update_{kind.name}",
        summary=f"Change some fields of a {kind.name}",
        description="Only the fields sent change; the result must still be valid (API key required). "
        "If-Match as for PUT.",
        response_model=kind.read,
        responses={200: written, **UNAUTHORIZED, **not_found, **STALE, **INVALID},
    )
    responses: dict[int | str, dict[str, Any]] = {
        204: {"description": "Deleted."},
        **UNAUTHORIZED,
        **not_found,
        **STALE,
    }
    if conflict_on_delete:
        responses.update(_conflict(conflict_on_delete))
    router.add_api_route(
        item_path,
        delete_one,
        methods=["DELETE"],
        name=f"delete_{kind.name}",
        summary=f"Delete a {kind.name}",
        description=f"Deletes the {kind.name} (API key required); a seeded row stays deleted. If-Match as for PUT.",
        status_code=204,
        response_class=Response,
        responses=responses,
    )


_item_routes(
    PLATFORMS,
    create=schemas.PlatformCreate,
    replace=schemas.PlatformReplace,
    update=schemas.PlatformUpdate,
    example=schemas.PLATFORM_EXAMPLE,
    missing=("nvidia-h100", ["nvidia-h100-sxm-80gb", "nvidia-h100-pcie-80gb"]),
    conflict_on_delete="The platform 'nvidia-h100-sxm-80gb' is still referenced (prices: "
    "nvidia-h100-sxm-80gb--aws--on-demand). Delete those rows or point them at another platform first.",
)
_item_routes(
    MODELS,
    create=schemas.ModelCreate,
    replace=schemas.ModelReplace,
    update=schemas.ModelUpdate,
    example=schemas.MODEL_EXAMPLE,
    missing=("llama-3-70b", ["llama-3.1-70b", "llama-3.3-70b", "llama-2-70b"]),
    conflict_on_delete=None,
)
_item_routes(
    PRICES,
    create=schemas.PriceCreate,
    replace=schemas.PriceReplace,
    update=schemas.PriceUpdate,
    example=schemas.PRICE_EXAMPLE,
    missing=("nvidia-h100--aws--on-demand", ["nvidia-h100-sxm-80gb--aws--on-demand"]),
    conflict_on_delete=None,
)
