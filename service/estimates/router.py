"""``POST /v1/estimate`` and ``POST /v1/estimate/batch``."""

from __future__ import annotations

import hashlib
import json

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from pydantic.json_schema import models_json_schema
from starlette.concurrency import run_in_threadpool

from service.cache import LruCache
from service.estimates import schemas
from service.estimates.service import EngineContext, cached_estimate, estimate_key
from service.problems import PROBLEM_MEDIA_TYPE, Problem, validation_problem

router = APIRouter(prefix="/v1", tags=["estimates"])

_PROBLEM_EXAMPLE = {
    "type": "https://costcurve.dev/problems/does-not-fit",
    "title": "Deployment cannot run",
    "status": 422,
    "detail": "llama-3.1-405b at bf16 needs about 900 GB of weights; 1 x nvidia-h100-sxm-80gb holds 80 GB. "
    "Use at least 16 accelerators.",
    "fix": {"num_accelerators": 16},
}
ERROR_RESPONSES: dict[int | str, dict] = {
    404: {"description": "Unknown model, platform or SLO preset; `suggestions` lists the closest ids.",
          "content": {PROBLEM_MEDIA_TYPE: {"example": {
              "type": "https://costcurve.dev/problems/not-found", "title": "Not found", "status": 404,
              "detail": "No model 'llama-3.1-7b'. Did you mean one of: llama-3.1-8b, llama-3.1-70b?",
              "suggestions": ["llama-3.1-8b", "llama-3.1-70b"]}}}},
    422: {"description": "The deployment cannot run or the body is invalid; `fix` says what would work.",
          "content": {PROBLEM_MEDIA_TYPE: {"example": _PROBLEM_EXAMPLE}}},
}


def _validated(raw: dict) -> schemas.EstimateRequest:
    try:
        return schemas.EstimateRequest.model_validate(raw)
    except ValidationError as exc:
        raise validation_problem(exc.errors(include_url=False)) from exc


def _context(request: Request) -> EngineContext:
    return request.app.state.contexts.current()


ESTIMATE_EXAMPLES = {
    "fixed concurrency": {"summary": "Llama 3.1 70B on 8 x H100, 64 requests in flight", "value": {
        "model": "llama-3.1-70b", "platform": "nvidia-h100-sxm-80gb", "precision": "fp8",
        "num_accelerators": 8, "workload": {"input_tokens": 1024, "output_tokens": 1024, "concurrency": 64}}},
    "max throughput under an SLO": {"summary": "GPT-OSS-120B on B200, best deployment meeting 50 ms TPOT",
        "value": {"model": "gpt-oss-120b", "platform": "nvidia-b200", "workload": {"preset": "chat"},
                  "slo": {"ttft_ms": 2000, "tpot_ms": 50}}},
    "request rate with own price": {"summary": "DeepSeek-R1 on a GB200 NVL72 rack at 20 requests/s",
        "value": {"model": "deepseek-r1", "platform": "nvidia-gb200-nvl72-rack", "precision": "fp4",
                  "workload": {"preset": "reasoning", "request_rate_per_s": 20},
                  "pricing": {"usd_per_accelerator_hour": 3.5}}},
}


class RawKeys:
    """Raw request bytes -> canonical cache key, per catalog version: a request whose exact bytes
    were seen before is answered without parsing it again. Bounded like the results cache."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self._keys = LruCache(max_entries)

    def get(self, raw: bytes, version: int) -> str | None:
        value = self._keys.peek(self._digest(raw, version))
        return value.decode() if value is not None else None

    def set(self, raw: bytes, version: int, key: str) -> None:
        self._keys.set(self._digest(raw, version), key.encode())

    @staticmethod
    def _digest(raw: bytes, version: int) -> str:
        return hashlib.sha256(raw + b"\0" + str(version).encode()).hexdigest()



def _parse(raw: bytes) -> schemas.EstimateRequest:
    try:
        return schemas.EstimateRequest.model_validate_json(raw)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from exc


@router.post(
    "/estimate",
    summary="Estimate memory fit, latency, throughput, cost and power of one deployment",
    response_model=schemas.EstimateResponse,
    responses={
        **ERROR_RESPONSES,
        304: {"description": "The answer is unchanged (If-None-Match matched its ETag)."},
        200: {"description": "The estimate. Headers: `ETag`, and `X-Cache: hit|miss`."},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/EstimateRequest"},
                "examples": ESTIMATE_EXAMPLES,
            }},
        },
        "parameters": [{
            "name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"},
            "description": "An ETag of an earlier answer: 304 when the answer is unchanged.",
        }],
    },
)
async def estimate(request: Request) -> Response:
    # The body is parsed here rather than by the framework so that a repeated request (same bytes,
    # same catalog version) is answered from this process's cache without parsing it again. Anything
    # that may do I/O or run the engine goes to the thread pool.
    raw = await request.body()
    context = await request.app.state.contexts.current_async()
    cache = request.app.state.cache
    raw_keys: RawKeys = request.app.state.raw_keys
    key = raw_keys.get(raw, context.version)
    payload = cache.peek(key) if key is not None else None
    hit = payload is not None
    if payload is None:
        body = _parse(raw)
        key = estimate_key(context, body)
        raw_keys.set(raw, context.version, key)
        payload = cache.peek(key)
        hit = payload is not None
        if payload is None:
            key, payload, hit = await run_in_threadpool(cached_estimate, context, cache, body, key)
    etag = f'"{key}"'
    headers = {"ETag": etag, "X-Cache": "hit" if hit else "miss"}
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None and etag in {t.strip() for t in if_none_match.split(",")}:
        return Response(status_code=304, headers=headers)
    return Response(content=payload, media_type="application/json", headers=headers)


@router.post(
    "/estimate/batch",
    summary="Up to 1,000 estimates in one call, each answered or failed on its own",
    response_model=schemas.BatchResponse,
    responses={422: ERROR_RESPONSES[422]},
)
def estimate_batch(request: Request, body: schemas.BatchRequest) -> schemas.BatchResponse:
    context = _context(request)
    cache = request.app.state.cache
    items: list[schemas.BatchItem] = []
    for index, raw in enumerate(body.estimates):
        try:
            item = _validated(raw)
            _, payload, _ = cached_estimate(context, cache, item)
        except Problem as problem:
            items.append(schemas.BatchItem(index=index, status=problem.status, error=problem.body()))
            continue
        items.append(schemas.BatchItem(
            index=index, status=200, result=schemas.EstimateResponse.model_validate(json.loads(payload))))
    failed = sum(1 for i in items if i.status != 200)
    return schemas.BatchResponse(items=items, succeeded=len(items) - failed, failed=failed)


def openapi_schemas() -> dict:
    """Schemas the estimate endpoint's request body refers to (it parses the body itself)."""
    _, definitions = models_json_schema(
        [(schemas.EstimateRequest, "validation")], ref_template="#/components/schemas/{model}"
    )
    return definitions["$defs"]
