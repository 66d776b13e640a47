"""Reads: every seeded id answers, unknown ids get suggestions, filters, pages and ETags."""

from __future__ import annotations

import pytest

from service.catalog.seed_data import model_rows, platform_rows, price_rows, tco_rows

PROBLEM = "application/problem+json"


def test_every_seeded_id_answers(client):
    for kind, rows in (("platforms", platform_rows()), ("models", model_rows()), ("prices", price_rows())):
        for row in rows:
            response = client.get(f"/v1/{kind}/{row['id']}")
            assert response.status_code == 200, (kind, row["id"], response.text)
            body = response.json()
            assert body["id"] == row["id"]
            assert body["source"] == row["source"]
            assert body["user_modified"] is False
            assert response.headers["etag"].startswith('"')


def test_seeded_values_round_trip(client):
    row = next(r for r in platform_rows() if r["id"] == "nvidia-h100-sxm-80gb")
    body = client.get("/v1/platforms/nvidia-h100-sxm-80gb").json()
    assert {k: body[k] for k in row} == row
    assert body["native_precisions"] == ["bf16", "fp8", "int8"]
    model = client.get("/v1/models/deepseek-v3").json()
    assert model["moe"] is True and model["kv_lora_rank"] == 512


@pytest.mark.parametrize(
    ("path", "wanted", "expected"),
    [
        ("/v1/platforms/nvidia-h100", "nvidia-h100", "nvidia-h100-sxm-80gb"),
        ("/v1/models/llama-3-70b", "llama-3-70b", "llama-3.1-70b"),
        ("/v1/prices/nvidia-h100-sxm-80gb--aws", "nvidia-h100-sxm-80gb--aws", "nvidia-h100-sxm-80gb--aws--on-demand"),
    ],
)
def test_unknown_id_suggests_the_closest(client, path, wanted, expected):
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert expected in body["suggestions"]
    assert wanted in body["detail"] and expected in body["detail"]
    assert body["type"].endswith("/not-found")


def test_unknown_id_with_nothing_close_still_offers_ids(client):
    body = client.get("/v1/models/zzzzzz").json()
    assert body["status"] == 404
    assert 1 <= len(body["suggestions"]) <= 3
    assert all(client.get(f"/v1/models/{s}").status_code == 200 for s in body["suggestions"])


def test_lists_cover_the_seed_and_page(client):
    body = client.get("/v1/platforms", params={"limit": 500}).json()
    assert body["total"] == len(platform_rows()) == len(body["items"])
    assert [i["id"] for i in body["items"]] == sorted(r["id"] for r in platform_rows())
    first = client.get("/v1/prices", params={"limit": 10, "offset": 0}).json()
    second = client.get("/v1/prices", params={"limit": 10, "offset": 10}).json()
    assert first["total"] == second["total"] == len(price_rows())
    assert (first["limit"], first["offset"], second["offset"]) == (10, 0, 10)
    assert len(first["items"]) == len(second["items"]) == 10
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}
    assert client.get("/v1/prices").json()["limit"] == 50
    assert client.get("/v1/tco-costs").json()["total"] == len(tco_rows())
    for name in ("tco-costs", "slo-presets", "efficiency-params"):
        for item in client.get(f"/v1/{name}", params={"limit": 500}).json()["items"]:
            assert item["source"]


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 501}, {"offset": -1}])
def test_bad_page_parameters_are_422(client, params):
    response = client.get("/v1/models", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM)


def test_filters(client):
    nvidia = client.get("/v1/platforms", params={"vendor": "nvidia", "limit": 500}).json()
    assert nvidia["total"] == sum(r["vendor"] == "NVIDIA" for r in platform_rows())
    assert {i["vendor"] for i in nvidia["items"]} == {"NVIDIA"}
    hopper = client.get("/v1/platforms", params={"family": "nvidia-hopper"}).json()
    assert hopper["total"] == sum(r["family"] == "nvidia-hopper" for r in platform_rows()) > 0
    moe = client.get("/v1/models", params={"moe": True, "limit": 500}).json()
    dense = client.get("/v1/models", params={"moe": False, "limit": 500}).json()
    assert moe["total"] == sum(bool(r["num_experts"]) for r in model_rows()) > 0
    assert moe["total"] + dense["total"] == len(model_rows())
    assert all(i["moe"] for i in moe["items"]) and not any(i["moe"] for i in dense["items"])
    llama3 = client.get("/v1/models", params={"family": "llama3"}).json()
    assert llama3["total"] > 0 and {i["family"] for i in llama3["items"]} == {"llama3"}
    prices = client.get(
        "/v1/prices", params={"platform_id": "nvidia-h100-sxm-80gb", "provider": "aws", "pricing_type": "on-demand"}
    ).json()
    assert [i["id"] for i in prices["items"]] == ["nvidia-h100-sxm-80gb--aws--on-demand"]


@pytest.mark.parametrize("path", ["/v1/platforms/amd-mi300x", "/v1/models", "/v1/prices?provider=AWS"])
def test_if_none_match_gives_304(client, path):
    first = client.get(path)
    tag = first.headers["etag"]
    assert client.get(path).headers["etag"] == tag  # deterministic
    again = client.get(path, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.get(path, headers={"If-None-Match": f'"x", W/{tag}'}).status_code == 304
