"""Writes: API key, preconditions, create/replace/patch/delete, and failed writes that change nothing."""

from __future__ import annotations

import pytest

from service.catalog.schemas import MODEL_EXAMPLE, PLATFORM_EXAMPLE

from .conftest import fingerprint, version_of

H100 = "/v1/platforms/nvidia-h100-sxm-80gb"
NEW_PLATFORM = {**PLATFORM_EXAMPLE, "id": "acme-x1", "vendor": "Acme", "name": "X1", "family": "acme-x"}
NEW_MODEL = {**MODEL_EXAMPLE, "id": "acme-llm-70b"}
NEW_PRICE = {
    "platform_id": "nvidia-h100-sxm-80gb",
    "provider": "Acme Cloud",
    "pricing_type": "on-demand",
    "usd_per_accelerator_hour": 2.25,
    "date": "2026-11-28",
    "source": "https://acme.example/pricing",
}

WRITES = [
    ("POST", "/v1/platforms", NEW_PLATFORM),
    ("PUT", H100, {k: v for k, v in PLATFORM_EXAMPLE.items() if k != "id"}),
    ("PATCH", H100, {"memory_gb": 1.0}),
    ("DELETE", "/v1/prices/nvidia-h100-sxm-80gb--aws--on-demand", None),
    ("PATCH", "/v1/models/llama-3.1-70b", {"max_context": 8192}),
    ("POST", "/v1/prices", NEW_PRICE),
]


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
@pytest.mark.parametrize("key", [None, "wrong-key"])
def test_write_without_a_valid_key_is_401_and_changes_nothing(client, method, path, body, key):
    before = fingerprint(client)
    headers = {"X-API-Key": key} if key else {}
    response = client.request(method, path, json=body, headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "X-API-Key" in response.json()["detail"]
    assert fingerprint(client) == before


def test_key_is_checked_before_the_body(client):
    assert client.post("/v1/platforms", json={"id": "nope"}).status_code == 401


@pytest.mark.parametrize(("method", "path", "body"), [w for w in WRITES if w[0] != "POST"])
def test_stale_if_match_is_412_and_changes_nothing(client, write_headers, method, path, body):
    before = fingerprint(client)
    response = client.request(method, path, json=body, headers={**write_headers, "If-Match": '"stale"'})
    assert response.status_code == 412
    problem = response.json()
    assert problem["type"].endswith("/precondition-failed")
    assert problem["current_etag"] == client.get(path).headers["etag"]
    assert fingerprint(client) == before


def test_current_if_match_is_accepted(client, write_headers):
    tag = client.get(H100).headers["etag"]
    response = client.patch(H100, json={"tdp_w": 650}, headers={**write_headers, "If-Match": tag})
    assert response.status_code == 200
    new_tag = response.headers["etag"]
    assert new_tag != tag and client.get(H100).headers["etag"] == new_tag
    # the old ETag is now stale
    assert client.patch(H100, json={"tdp_w": 640}, headers={**write_headers, "If-Match": tag}).status_code == 412


def test_create_read_replace_patch_delete(client, write_headers):
    v0 = version_of(client)
    created = client.post("/v1/platforms", json=NEW_PLATFORM, headers=write_headers)
    assert created.status_code == 201, created.text
    assert created.headers["location"] == "/v1/platforms/acme-x1"
    body = created.json()
    assert body["user_modified"] is True and body["revision"] == 1
    assert client.get("/v1/platforms/acme-x1").json() == body
    assert client.get("/v1/platforms/acme-x1").headers["etag"] == created.headers["etag"]
    assert version_of(client) == v0 + 1

    replacement = {k: v for k, v in NEW_PLATFORM.items() if k != "id"} | {"memory_gb": 144.0, "dense_fp8_tflops": None}
    replaced = client.put("/v1/platforms/acme-x1", json=replacement, headers=write_headers)
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["memory_gb"] == 144.0 and replaced.json()["dense_fp8_tflops"] is None
    assert replaced.json()["revision"] == 2
    assert version_of(client) == v0 + 2

    patched = client.patch("/v1/platforms/acme-x1", json={"notes": "patched"}, headers=write_headers)
    assert patched.status_code == 200
    assert patched.json()["notes"] == "patched" and patched.json()["memory_gb"] == 144.0
    assert patched.json()["revision"] == 3
    assert version_of(client) == v0 + 3

    assert client.delete("/v1/platforms/acme-x1", headers=write_headers).status_code == 204
    assert client.get("/v1/platforms/acme-x1").status_code == 404
    assert version_of(client) == v0 + 4


def test_model_and_price_writes(client, write_headers):
    assert client.post("/v1/models", json=NEW_MODEL, headers=write_headers).status_code == 201
    patched = client.patch("/v1/models/acme-llm-70b", json={"num_kv_heads": 16}, headers=write_headers)
    assert patched.json()["num_kv_heads"] == 16
    assert client.delete("/v1/models/acme-llm-70b", headers=write_headers).status_code == 204

    price = client.post("/v1/prices", json=NEW_PRICE, headers=write_headers)
    assert price.status_code == 201, price.text
    assert price.json()["id"] == "nvidia-h100-sxm-80gb--acme-cloud--on-demand"
    listed = client.get("/v1/prices", params={"provider": "acme cloud"}).json()
    assert [i["id"] for i in listed["items"]] == [price.json()["id"]]
    assert (
        client.put(
            f"/v1/prices/{price.json()['id']}",
            json={**NEW_PRICE, "usd_per_accelerator_hour": 1.5},
            headers=write_headers,
        ).json()["usd_per_accelerator_hour"]
        == 1.5
    )


def test_seeded_row_edited_through_the_api(client, write_headers):
    response = client.patch("/v1/models/llama-3.1-70b", json={"max_context": 8192}, headers=write_headers)
    assert response.status_code == 200
    body = client.get("/v1/models/llama-3.1-70b").json()
    assert body["max_context"] == 8192 and body["user_modified"] is True and body["revision"] == 2


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/v1/platforms", {**NEW_PLATFORM, "id": "nvidia-h100-sxm-80gb"}, 409),
        ("POST", "/v1/models", {**NEW_MODEL, "id": "llama-3.1-70b"}, 409),
        ("POST", "/v1/prices", {**NEW_PRICE, "provider": "AWS"}, 409),
        ("POST", "/v1/platforms", {**NEW_PLATFORM, "memory_gb": -1}, 422),
        ("POST", "/v1/platforms", {**NEW_PLATFORM, "id": "Not A Slug"}, 422),
        (
            "POST",
            "/v1/platforms",
            {**NEW_PLATFORM, "per_accelerator_platform_id": "nope", "accelerators_per_unit": 8},
            422,
        ),
        ("POST", "/v1/models", {**NEW_MODEL, "params_active_b": 100.0}, 422),
        ("POST", "/v1/prices", {**NEW_PRICE, "platform_id": "nvidia-h100-sxm"}, 422),
        ("POST", "/v1/prices", {**NEW_PRICE, "usd_per_accelerator_hour": 0}, 422),
        ("PUT", H100, {"memory_gb": 80}, 422),
        ("PATCH", H100, {"hbm_bandwidth_tb_per_s": 0}, 422),
        ("PATCH", H100, {"memory_gb": None}, 422),
        ("PATCH", H100, {"dense_bf16_tflops": None, "dense_fp8_tflops": None, "dense_int8_tops": None}, 422),
        ("PATCH", H100, {"unknown_field": 1}, 422),
        ("PATCH", "/v1/models/llama-3.1-70b", {"num_kv_heads": 7}, 422),
        ("PATCH", "/v1/prices/nvidia-h100-sxm-80gb--aws--on-demand", {"platform_id": "nope"}, 422),
        ("PATCH", "/v1/platforms/nvidia-h100", {"memory_gb": 1}, 404),
        ("DELETE", H100, None, 409),
        ("DELETE", "/v1/platforms/nvidia-gb200-nvl72", None, 409),
    ],
)
def test_failed_write_changes_nothing(client, write_headers, method, path, body, status):
    before = fingerprint(client)
    response = client.request(method, path, json=body, headers=write_headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail"]
    assert fingerprint(client) == before


def test_delete_conflict_names_the_references(client, write_headers):
    problem = client.delete(H100, headers=write_headers).json()
    assert "nvidia-h100-sxm-80gb--aws--on-demand" in problem["references"]["prices"]
    assert problem["references"]["tco-costs"] == ["nvidia-h100-sxm-80gb"]
    assert "Delete those rows" in problem["detail"]
