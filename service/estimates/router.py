"""``POST /v1/estimate`` and ``POST /v1/estimate/batch``."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Body, Header, Request, Response
from pydantic import ValidationError

from service.estimates import schemas
from service.estimates.service import EngineContext, cached_estimate
from service.problems import PROBLEM_MEDIA_TYPE, Problem

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
        fields = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()[:5]
        )
        raise Problem(422, "invalid-request", f"This estimate is not valid: {fields}. Correct the named fields.",
                      title="Invalid request") from exc


def _context(request: Request) -> EngineContext:
    return request.app.state.contexts.current()


@router.post(
    "/estimate",
    summary="Estimate memory fit, latency, throughput, cost and power of one deployment",
    response_model=schemas.EstimateResponse,
    responses={
        **ERROR_RESPONSES,
        304: {"description": "The answer is unchanged (If-None-Match matched its ETag)."},
        200: {"description": "The estimate. Headers: `ETag`, and `X-Cache: hit|miss`."},
    },
)
def estimate(
    request: Request,
    body: Annotated[
        schemas.EstimateRequest,
        Body(openapi_examples={
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
        }),
    ],
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    key, payload, hit = cached_estimate(_context(request), request.app.state.cache, body)
    etag = f'"{key}"'
    headers = {"ETag": etag, "X-Cache": "hit" if hit else "miss", "Cache-Control": "no-cache"}
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
