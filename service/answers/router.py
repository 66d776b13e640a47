"""``/v1/curves``, ``/v1/frontier`` and ``/v1/compare``: JSON, CSV, SVG or PNG.

The format is chosen by ``?format=json|csv|svg|png``, else by the ``Accept`` header (``text/csv``,
``image/svg+xml``, ``image/png``), else JSON. Each answer also answers ``GET`` with query parameters
(``/v1/curves.svg?models=llama-3.1-8b,llama-3.1-70b&platforms=nvidia-b200``), so a chart or a CSV is a
plain URL that a page, a notebook or another tool can embed.

Answers are cached under sha256 keys over the canonical request, the catalog version and the engine
version; the JSON and every rendering are cached separately and say so in ``X-Cache``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Header, Query, Request, Response
from pydantic import BaseModel, ValidationError

from service import engine as estimator
from service.answers import schemas as s
from service.answers import service
from service.answers.export import to_csv
from service.cache import cache_key
from service.estimates.router import ERROR_RESPONSES
from service.problems import Problem

router = APIRouter(prefix="/v1", tags=["answers"])

Format = Literal["json", "csv", "svg", "png"]
MEDIA_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8", "svg": "image/svg+xml",
               "png": "image/png"}
FormatQuery = Annotated[Format | None, Query(description="json (default), csv, svg or png; overrides Accept.")]
AcceptHeader = Annotated[str | None, Header(include_in_schema=False)]
IfNoneMatch = Annotated[str | None, Header(include_in_schema=False)]

RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    200: {
        "description": "The answer. Headers: `ETag`, `X-Cache: hit|miss`.",
        "content": {"text/csv": {}, "image/svg+xml": {}, "image/png": {}},
    },
}


def negotiate(fmt: str | None, accept: str | None) -> str:
    if fmt:
        return fmt
    accept = (accept or "").lower()
    for media, name in (("text/csv", "csv"), ("image/svg+xml", "svg"), ("image/png", "png")):
        if media in accept:
            return name
    return "json"


def _respond(
    request: Request,
    kind: str,
    body: BaseModel,
    fmt: str,
    compute: Callable[[], BaseModel],
    if_none_match: str | None,
) -> Response:
    context = request.app.state.contexts.current()
    cache = request.app.state.cache
    payload = body.model_dump(mode="json")

    def key(representation: str) -> str:
        return cache_key(f"answers.{kind}.{representation}", payload, catalog_version=context.version,
                         engine_version=estimator.ENGINE_VERSION)

    json_key = key("json")
    answer = cache.get(json_key)
    hit = answer is not None
    if answer is None:
        answer = compute().model_dump_json().encode()
        cache.set(json_key, answer)
    if fmt == "json":
        content, etag = answer, json_key
    else:
        etag = key(fmt)
        rendered = cache.get(etag)
        hit = rendered is not None
        if rendered is None:
            data = json.loads(answer)
            if fmt == "csv":
                rendered = to_csv(kind, data).encode()
            else:
                from service.answers.charts import render

                rendered = render(kind, data, fmt)
            cache.set(etag, rendered)
        content = rendered
    headers = {"ETag": f'"{etag}"', "X-Cache": "hit" if hit else "miss", "Cache-Control": "no-cache",
               "Vary": "Accept"}
    if fmt == "csv":
        headers["Content-Disposition"] = f'inline; filename="{kind}.csv"'
    if if_none_match is not None and f'"{etag}"' in {t.strip() for t in if_none_match.split(",")}:
        return Response(status_code=304, headers=headers)
    return Response(content=content, media_type=MEDIA_TYPES[fmt], headers=headers)


# --- query parameters of the GET forms -----------------------------------------------------------


def _list(value: str | None) -> list[str] | None:
    if not value:
        return None
    items = [v.strip() for v in value.split(",") if v.strip()]
    return items or None


def _number(params: dict[str, str], name: str, cast: Callable[[str], Any] = float) -> Any:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    try:
        return cast(raw)
    except ValueError as exc:
        raise Problem(422, "invalid-request", f"Query parameter {name}={raw!r} is not a number.",
                      title="Invalid request") from exc


def _common_query(params: dict[str, str]) -> dict[str, Any]:
    """The shared query parameters, as the JSON body they stand for."""
    body: dict[str, Any] = {}
    workload = {k: v for k, v in {
        "preset": params.get("workload") or params.get("preset"),
        "input_tokens": _number(params, "input_tokens", int),
        "output_tokens": _number(params, "output_tokens", int),
    }.items() if v is not None}
    if workload:
        if "input_tokens" not in workload or "output_tokens" not in workload:
            workload.setdefault("preset", "chat")
        body["workload"] = workload
    for name in ("precision", "framework"):
        if params.get(name):
            body[name] = params[name]
    pricing = {k: v for k, v in {
        "usd_per_accelerator_hour": _number(params, "usd_per_accelerator_hour"),
        "provider": params.get("provider") or None,
        "pricing_type": params.get("pricing_type") or None,
        "output_to_input_price_ratio": _number(params, "output_to_input_price_ratio"),
    }.items() if v is not None}
    if pricing:
        body["pricing"] = pricing
    return body


def _answer_query(params: dict[str, str]) -> dict[str, Any]:
    body = _common_query(params)
    slo = {k: v for k, v in {
        "preset": params.get("slo_preset") or None,
        "ttft_ms": _number(params, "ttft_ms"),
        "tpot_ms": _number(params, "tpot_ms"),
        "min_tokens_per_s_per_user": _number(params, "min_tokens_per_s_per_user"),
    }.items() if v is not None}
    if slo:
        body["slo"] = slo
    if params.get("rack_unit"):
        body["rack_unit"] = params["rack_unit"]
    price = _number(params, "revenue_usd_per_million_tokens")
    if price is not None:
        body["returns"] = {"usd_per_million_tokens_price": price}
    return body


def _validate(schema: type[BaseModel], raw: dict[str, Any]) -> Any:
    try:
        return schema.model_validate(raw)
    except ValidationError as exc:
        errors = [{"field": ".".join(str(p) for p in e["loc"]) or "query", "message": e["msg"]}
                  for e in exc.errors()]
        summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        raise Problem(422, "invalid-request", f"The query parameters are not valid: {summary}.",
                      title="Invalid request", errors=errors) from exc


def _ext_format(ext: str) -> str:
    if ext not in MEDIA_TYPES:
        raise Problem(404, "http-404", f"No format '{ext}'; use .json, .csv, .svg or .png.")
    return ext


# --- curves ----------------------------------------------------------------------------------------

_CURVES_DOC = (
    "For each model (default: a ladder of the catalog from 8B to 671B, dense and MoE) on each platform "
    "(default: every platform with a price), the deployment with the most output tokens/s per accelerator "
    "that meets the SLO (default: at least 20 tokens/s per user, TTFT <= 2 s) at the workload (default: chat, "
    "1,024 in / 1,024 out), its USD per million tokens and tokens per dollar with p10-p90 bands; the platform "
    "ranking at each size, where rankings cross, and which platform keeps the most tokens per dollar as size "
    f"grows. Pairs that cannot meet the SLO are listed with the reason. At most {s.MAX_CURVE_POINTS} points."
)


@router.post("/curves", summary="Cost curves across model sizes and platforms", description=_CURVES_DOC,
             responses=RESPONSES)
def curves(
    request: Request,
    body: Annotated[s.CurvesRequest, Body(openapi_examples={
        "defaults": {"summary": "The default ladder on every priced platform", "value": {}},
        "reasoning": {"summary": "Three Llamas, reasoning workload, 50 tok/s/user", "value": {
            "models": ["llama-3.1-8b", "llama-3.1-70b", "llama-3.1-405b"],
            "platforms": ["nvidia-h100-sxm-80gb", "nvidia-b200", "amd-mi300x"],
            "workload": {"preset": "reasoning"}, "slo": {"min_tokens_per_s_per_user": 50}}},
    })],
    format: FormatQuery = None,
    accept: AcceptHeader = None,
    if_none_match: IfNoneMatch = None,
) -> Response:
    def compute() -> BaseModel:
        return service.compute_curves(request.app.state.contexts.current(), request.app.state.cache, body)

    return _respond(request, "curves", body, negotiate(format, accept), compute, if_none_match)


def _curves_get(request: Request, fmt: str, if_none_match: str | None) -> Response:
    params = dict(request.query_params)
    raw = _answer_query(params)
    for name in ("models", "platforms"):
        if _list(params.get(name)):
            raw[name] = _list(params.get(name))
    body = _validate(s.CurvesRequest, raw)

    def compute() -> BaseModel:
        return service.compute_curves(request.app.state.contexts.current(), request.app.state.cache, body)

    return _respond(request, "curves", body, fmt, compute, if_none_match)


_GET_PARAMS_DOC = (
    "The same answer as the POST form, from query parameters: `models` and `platforms` (comma-separated), "
    "`workload` (chat | reasoning | rag), `input_tokens`, `output_tokens`, `slo_preset`, `ttft_ms`, `tpot_ms`, "
    "`min_tokens_per_s_per_user`, `precision`, `framework`, `usd_per_accelerator_hour`, `provider`, "
    "`pricing_type`, `output_to_input_price_ratio`, `rack_unit` (gpu | rack), `revenue_usd_per_million_tokens`."
)


@router.get("/curves", summary="Cost curves from query parameters (embeddable)", description=_GET_PARAMS_DOC,
            responses=RESPONSES)
def curves_get(request: Request, format: FormatQuery = None, accept: AcceptHeader = None,
               if_none_match: IfNoneMatch = None) -> Response:
    return _curves_get(request, negotiate(format, accept), if_none_match)


@router.get("/curves.{ext}", summary="Cost curves as json, csv, svg or png from query parameters",
            description=_GET_PARAMS_DOC, responses=RESPONSES)
def curves_ext(request: Request, ext: str, if_none_match: IfNoneMatch = None) -> Response:
    return _curves_get(request, _ext_format(ext), if_none_match)


# --- compare ---------------------------------------------------------------------------------------


@router.post("/compare", summary="One model on several platforms, side by side", responses=RESPONSES,
             description="Each platform's best deployment meeting the SLO (defaults as for /v1/curves), cheapest "
             "per output token first, with each platform's cost relative to the best.")
def compare(
    request: Request,
    body: Annotated[s.CompareRequest, Body(openapi_examples={
        "gpt-oss": {"summary": "GPT-OSS-120B on Hopper and Blackwell", "value": {
            "model": "gpt-oss-120b",
            "platforms": ["nvidia-h100-sxm-80gb", "nvidia-h200-sxm-141gb", "nvidia-b200", "nvidia-gb200-nvl72"]}},
    })],
    format: FormatQuery = None,
    accept: AcceptHeader = None,
    if_none_match: IfNoneMatch = None,
) -> Response:
    def compute() -> BaseModel:
        return service.compute_compare(request.app.state.contexts.current(), request.app.state.cache, body)

    return _respond(request, "compare", body, negotiate(format, accept), compute, if_none_match)


def _compare_get(request: Request, fmt: str, if_none_match: str | None) -> Response:
    params = dict(request.query_params)
    raw = _answer_query(params)
    raw["model"] = params.get("model", "")
    if _list(params.get("platforms")):
        raw["platforms"] = _list(params.get("platforms"))
    body = _validate(s.CompareRequest, raw)

    def compute() -> BaseModel:
        return service.compute_compare(request.app.state.contexts.current(), request.app.state.cache, body)

    return _respond(request, "compare", body, fmt, compute, if_none_match)


@router.get("/compare", summary="Compare from query parameters (embeddable)", responses=RESPONSES,
            description="`model` plus the parameters of GET /v1/curves.")
def compare_get(request: Request, format: FormatQuery = None, accept: AcceptHeader = None,
                if_none_match: IfNoneMatch = None) -> Response:
    return _compare_get(request, negotiate(format, accept), if_none_match)


@router.get("/compare.{ext}", summary="Compare as json, csv, svg or png from query parameters",
            responses=RESPONSES)
def compare_ext(request: Request, ext: str, if_none_match: IfNoneMatch = None) -> Response:
    return _compare_get(request, _ext_format(ext), if_none_match)


# --- frontier --------------------------------------------------------------------------------------


@router.post("/frontier", summary="Throughput-interactivity Pareto frontier of one model", responses=RESPONSES,
             description="For one model on one or more platforms (default: every platform with a price): output "
             "tokens/s per accelerator against tokens/s per user over concurrency and every valid deployment, "
             "keeping the Pareto frontier, with USD per million tokens at every point. At most "
             f"{s.MAX_FRONTIER_POINTS} platform x concurrency points.")
def frontier(
    request: Request,
    body: Annotated[s.FrontierRequest, Body(openapi_examples={
        "gpt-oss": {"summary": "GPT-OSS-120B on H200 and B200", "value": {
            "model": "gpt-oss-120b", "platforms": ["nvidia-h200-sxm-141gb", "nvidia-b200"]}},
    })],
    format: FormatQuery = None,
    accept: AcceptHeader = None,
    if_none_match: IfNoneMatch = None,
) -> Response:
    def compute() -> BaseModel:
        return service.compute_frontier(request.app.state.contexts.current(), body)

    return _respond(request, "frontier", body, negotiate(format, accept), compute, if_none_match)


def _frontier_get(request: Request, fmt: str, if_none_match: str | None) -> Response:
    params = dict(request.query_params)
    raw = _common_query(params)
    raw["model"] = params.get("model", "")
    if _list(params.get("platforms")):
        raw["platforms"] = _list(params.get("platforms"))
    if _list(params.get("concurrencies")):
        raw["concurrencies"] = _list(params.get("concurrencies"))
    if params.get("num_accelerators"):
        raw["num_accelerators"] = params["num_accelerators"]
    body = _validate(s.FrontierRequest, raw)

    def compute() -> BaseModel:
        return service.compute_frontier(request.app.state.contexts.current(), body)

    return _respond(request, "frontier", body, fmt, compute, if_none_match)


@router.get("/frontier", summary="Frontier from query parameters (embeddable)", responses=RESPONSES,
            description="`model`, `platforms`, `concurrencies` (comma-separated), `num_accelerators`, and the "
            "workload, precision and pricing parameters of GET /v1/curves.")
def frontier_get(request: Request, format: FormatQuery = None, accept: AcceptHeader = None,
                 if_none_match: IfNoneMatch = None) -> Response:
    return _frontier_get(request, negotiate(format, accept), if_none_match)


@router.get("/frontier.{ext}", summary="Frontier as json, csv, svg or png from query parameters",
            responses=RESPONSES)
def frontier_ext(request: Request, ext: str, if_none_match: IfNoneMatch = None) -> Response:
    return _frontier_get(request, _ext_format(ext), if_none_match)
