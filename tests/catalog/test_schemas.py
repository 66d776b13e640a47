"""Schemas accept every seed row, and the OpenAPI document shows a summary and an example everywhere."""

from __future__ import annotations

import pytest

from service.catalog import schemas
from service.catalog.seed_data import model_rows, platform_rows, price_rows
from service.catalog.service import not_found


@pytest.mark.parametrize(
    ("schema", "rows"),
    [(schemas.PlatformCreate, platform_rows), (schemas.ModelCreate, model_rows), (schemas.PriceCreate, price_rows)],
)
def test_every_seed_row_validates(schema, rows):
    for row in rows():
        schema.model_validate(row)


def test_examples_validate():
    schemas.PlatformCreate.model_validate(schemas.PLATFORM_EXAMPLE)
    schemas.ModelCreate.model_validate(schemas.MODEL_EXAMPLE)
    schemas.PriceCreate.model_validate(schemas.PRICE_EXAMPLE)
    schemas.PlatformUpdate.model_validate({"memory_gb": 96.0})
    with pytest.raises(ValueError):
        schemas.PlatformUpdate.model_validate({"memory_gb": 0})


def test_not_found_problem():
    problem = not_found("model", "llama-3-8b", ["llama-3.1-8b", "qwen3-32b"])
    assert problem.status == 404 and problem.extra["suggestions"] == ["llama-3.1-8b"]
    assert "llama-3.1-8b" in problem.detail


def test_openapi_documents_every_catalog_route(client):
    spec = client.get("/openapi.json").json()
    catalog = {
        (path, method): op
        for path, methods in spec["paths"].items()
        for method, op in methods.items()
        if "catalog" in op.get("tags", [])
    }
    assert len(catalog) == 6 + 3 * 5
    for (path, method), op in catalog.items():
        assert op.get("summary"), (path, method)
        success = next(code for code in ("200", "201", "204") if code in op["responses"])
        if success != "204":
            content = op["responses"][success]["content"]["application/json"]
            assert "example" in content or "examples" in content, (path, method)
        if method in ("post", "put", "patch"):
            body = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
            assert spec["components"]["schemas"][body].get("examples"), body
            assert "401" in op["responses"]
    assert "APIKeyHeader" in spec["components"]["securitySchemes"]
