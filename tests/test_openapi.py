"""The OpenAPI document shows every endpoint with an example, and the estimate body's schema."""

from __future__ import annotations

import json


def test_every_api_operation_has_an_example(client):
    spec = client.get("/openapi.json").json()
    missing = [
        f"{method.upper()} {path}"
        for path, operations in spec["paths"].items()
        if path.startswith("/v1/") or path in {"/livez", "/readyz"}
        for method, operation in operations.items()
        if '"example' not in json.dumps(operation)
    ]
    assert missing == []
    assert len(spec["paths"]) >= 20


def test_estimate_request_schema_is_published(client):
    spec = client.get("/openapi.json").json()
    body = spec["paths"]["/v1/estimate"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/EstimateRequest"}
    estimate_request = spec["components"]["schemas"]["EstimateRequest"]
    assert {"model", "platform", "workload"} <= set(estimate_request["required"])
    assert "WorkloadIn" in spec["components"]["schemas"]
