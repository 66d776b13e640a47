"""POST /v1/estimate and /v1/estimate/batch on a migrated, seeded catalog (SQLite and PostgreSQL)."""

from __future__ import annotations

import math

ACCEPTANCE = {
    "model": "llama-3.1-70b",
    "platform": "nvidia-h100-sxm-80gb",
    "precision": "fp8",
    "num_accelerators": 8,
    "workload": {"input_tokens": 1024, "output_tokens": 1024, "concurrency": 64},
}

REQUIRED = {
    "deployment": {"precision", "num_accelerators", "tp", "pp", "ep", "dp", "framework", "concurrency"},
    "memory": {"weights_gb_per_accelerator", "kv_cache_gb_per_accelerator", "max_concurrent_sequences"},
    "latency": {"ttft_ms", "tpot_ms", "e2e_ms"},
    "throughput": {"output_tokens_per_s", "output_tokens_per_s_per_accelerator", "input_tokens_per_s",
                   "requests_per_s", "interactivity_tokens_per_s_per_user"},
    "cost": {"usd_per_hour", "usd_per_million_output_tokens", "usd_per_million_input_tokens",
             "tokens_per_dollar", "price"},
    "power": {"kw", "output_tokens_per_s_per_mw"},
}


def test_acceptance_request_answers_every_field(client):
    response = client.post("/v1/estimate", json=ACCEPTANCE)
    assert response.status_code == 200, response.text
    body = response.json()
    for section, fields in REQUIRED.items():
        assert fields <= set(body[section]), (section, fields - set(body[section]))
    for key in ("bottleneck", "assumptions", "catalog_version", "engine_version"):
        assert key in body
    d = body["deployment"]
    assert (d["precision"], d["num_accelerators"], d["tp"] * d["pp"] * d["dp"], d["concurrency"]) == ("fp8", 8, 8, 64)
    # Llama-3.1-70B at fp8 is 70.55 GB of weights; split 8 ways, about 8.8 GB per GPU.
    assert 70.55 / 8 * 0.9 < body["memory"]["weights_gb_per_accelerator"] < 70.55 / 8 * 1.15
    t = body["throughput"]
    assert math.isclose(t["output_tokens_per_s"], t["output_tokens_per_s_per_accelerator"] * 8, rel_tol=1e-6)
    assert math.isclose(t["interactivity_tokens_per_s_per_user"], 1000 / body["latency"]["tpot_ms"], rel_tol=1e-6)
    c = body["cost"]
    # USD per M output tokens = USD per hour / (output tokens per hour / 1e6)
    assert math.isclose(c["usd_per_million_output_tokens"],
                        c["usd_per_hour"] / (t["output_tokens_per_s"] * 3600 / 1e6), rel_tol=1e-6)
    assert c["price"]["basis"] == "catalog" and c["price"]["source"]
    assert math.isclose(c["usd_per_hour"], c["price"]["usd_per_accelerator_hour"] * 8, rel_tol=1e-9)
    assert body["power"]["kw"] > 0 and body["power"]["output_tokens_per_s_per_mw"] > 0


def test_repeat_is_a_cache_hit_and_a_catalog_write_recomputes(client, write_headers):
    first = client.post("/v1/estimate", json=ACCEPTANCE)
    second = client.post("/v1/estimate", json=ACCEPTANCE)
    assert first.headers["x-cache"] == "miss"
    assert second.headers["x-cache"] == "hit"
    assert first.json() == second.json()
    assert first.headers["etag"] == second.headers["etag"]

    platform = client.get("/v1/platforms/nvidia-h100-sxm-80gb")
    patched = client.patch(
        "/v1/platforms/nvidia-h100-sxm-80gb",
        json={"hbm_bandwidth_tb_per_s": 4.0},
        headers={**write_headers, "If-Match": platform.headers["etag"]},
    )
    assert patched.status_code == 200, patched.text

    third = client.post("/v1/estimate", json=ACCEPTANCE)
    assert third.headers["x-cache"] == "miss"
    assert third.json()["catalog_version"] > first.json()["catalog_version"]
    assert third.headers["etag"] != first.headers["etag"]
    # more bandwidth never lowers throughput
    assert (third.json()["throughput"]["output_tokens_per_s"]
            >= first.json()["throughput"]["output_tokens_per_s"])


def test_if_none_match_gives_304(client):
    first = client.post("/v1/estimate", json=ACCEPTANCE)
    again = client.post("/v1/estimate", json=ACCEPTANCE, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""


def test_unknown_model_suggests_the_closest_ids(client):
    response = client.post("/v1/estimate", json={**ACCEPTANCE, "model": "llama-3.1-7b"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert "llama-3.1-8b" in body["suggestions"]
    assert "llama-3.1-8b" in body["detail"]


def test_precision_the_platform_cannot_run_is_a_422_naming_the_fix(client):
    response = client.post("/v1/estimate", json={**ACCEPTANCE, "platform": "nvidia-a100-sxm-80gb"})
    assert response.status_code == 422
    body = response.json()
    assert body["type"].endswith("precision-unsupported")
    assert body["fix"]["precision"] == "bf16"


def test_a_model_that_does_not_fit_names_the_accelerators_that_would(client):
    request = {**ACCEPTANCE, "model": "llama-3.1-405b", "precision": "bf16", "num_accelerators": 1,
               "parallelism": {"tp": 1}}
    response = client.post("/v1/estimate", json=request)
    assert response.status_code == 422
    body = response.json()
    assert body["type"].endswith("does-not-fit")
    # 405.85e9 weights x 2 bytes = 811.7 GB: more than ten 80 GB GPUs
    assert body["fix"]["num_accelerators"] > 10
    assert str(body["fix"]["num_accelerators"]) in body["detail"]


def test_parallelism_that_does_not_divide_the_accelerators_is_a_422(client):
    response = client.post("/v1/estimate", json={**ACCEPTANCE, "parallelism": {"tp": 3}})
    assert response.status_code == 422
    assert response.json()["type"].endswith("invalid-parallelism")


def test_an_invalid_body_is_a_problem_naming_the_field(client):
    response = client.post("/v1/estimate", json={**ACCEPTANCE, "workload": {"input_tokens": -5}})
    assert response.status_code == 422
    body = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert any(e["field"].startswith("workload") for e in body["errors"])


def test_request_rate_below_and_above_capacity(client):
    base = {k: v for k, v in ACCEPTANCE.items() if k != "workload"}
    low = client.post("/v1/estimate", json={**base, "workload": {"input_tokens": 1024, "output_tokens": 1024,
                                                                  "request_rate_per_s": 0.5}}).json()
    assert not low["throughput"]["saturated"]
    assert math.isclose(low["throughput"]["requests_per_s"], 0.5, rel_tol=1e-6)
    high = client.post("/v1/estimate", json={**base, "workload": {"input_tokens": 1024, "output_tokens": 1024,
                                                                   "request_rate_per_s": 1e5}}).json()
    assert high["throughput"]["saturated"]
    assert high["throughput"]["requests_per_s"] < 1e5


def test_maximum_throughput_and_slo_modes(client):
    base = {"model": "llama-3.1-8b", "platform": "nvidia-h100-sxm-80gb", "workload": {"preset": "chat"}}
    best = client.post("/v1/estimate", json=base).json()
    slo = client.post("/v1/estimate", json={**base, "slo": {"tpot_ms": 20}}).json()
    assert slo["slo"]["met"] is True
    assert slo["latency"]["tpot_ms"] <= 20
    assert (slo["throughput"]["output_tokens_per_s_per_accelerator"]
            <= best["throughput"]["output_tokens_per_s_per_accelerator"] * 1.0001)


def test_pricing_sources(client):
    user = client.post("/v1/estimate", json={**ACCEPTANCE, "pricing": {"usd_per_accelerator_hour": 2.5}}).json()
    assert user["cost"]["price"]["basis"] == "user"
    assert math.isclose(user["cost"]["usd_per_hour"], 20.0)
    tco = client.post("/v1/estimate", json={**ACCEPTANCE, "pricing": {"tco": {
        "purchase_usd_per_accelerator": 35040, "amortisation_years": 4, "utilisation": 1.0,
        "power_kw_per_accelerator": 1.0, "pue": 1.25, "usd_per_kwh": 0.1}}}).json()
    # 35040 / (4 x 8760) = 1.00 USD/h capital + 1.0 kW x 1.25 x 0.1 = 0.125 USD/h energy
    assert tco["cost"]["price"]["basis"] == "tco"
    assert math.isclose(tco["cost"]["price"]["usd_per_accelerator_hour"], 1.125, rel_tol=1e-9)
    # tco_inferencex.csv: H100 all-in 3-year rental 1.30 USD per GPU-hour
    table = client.post("/v1/estimate", json={**ACCEPTANCE, "pricing": {"tco_table": "3yr_rental"}}).json()
    assert table["cost"]["price"]["basis"] == "tco-table"
    assert table["cost"]["price"]["usd_per_accelerator_hour"] == 1.30
    assert "InferenceX" in table["cost"]["price"]["source"]
    no_row = client.post("/v1/estimate", json={**ACCEPTANCE, "platform": "nvidia-a100-sxm-80gb", "precision": "bf16",
                                                "pricing": {"tco_table": "neocloud"}})
    assert no_row.status_code == 422 and "nvidia-h100-sxm-80gb" in no_row.json()["available"]
    missing = client.post("/v1/estimate", json={**ACCEPTANCE, "pricing": {"provider": "NoSuchCloud"}})
    assert missing.status_code == 422
    assert missing.json()["available"]


def test_a_platform_without_a_price_still_gets_its_estimate(client):
    request = {"model": "llama-3.1-70b", "platform": "intel-gaudi3", "workload": {"preset": "chat", "concurrency": 32}}
    body = client.post("/v1/estimate", json=request).json()
    assert body["cost"] is None
    assert body["throughput"]["output_tokens_per_s"] > 0
    assert any("No price" in a and "pricing.usd_per_accelerator_hour" in a for a in body["assumptions"])
    priced = client.post("/v1/estimate", json={**request, "pricing": {"usd_per_accelerator_hour": 2.0}}).json()
    assert priced["cost"]["price"]["basis"] == "user"
    named = client.post("/v1/estimate", json={**request, "pricing": {"provider": "AWS"}})
    assert named.status_code == 422


def test_rack_platform_counts_its_gpus(client):
    body = client.post("/v1/estimate", json={
        "model": "llama-3.1-70b", "platform": "nvidia-gb200-nvl72-rack", "precision": "fp4",
        "workload": {"preset": "chat", "concurrency": 256}}).json()
    assert body["deployment"]["num_accelerators"] == 72
    assert any("rack" in a for a in body["assumptions"])


def test_batch_answers_each_with_its_own_error(client):
    response = client.post("/v1/estimate/batch", json={"estimates": [
        ACCEPTANCE,
        {**ACCEPTANCE, "model": "no-such-model"},
        {**ACCEPTANCE, "workload": {"input_tokens": 0, "output_tokens": 1}},
        {**ACCEPTANCE, "platform": "nvidia-a100-sxm-80gb"},
    ]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert [i["status"] for i in body["items"]] == [200, 404, 422, 422]
    assert body["succeeded"] == 1 and body["failed"] == 3
    assert body["items"][0]["result"]["deployment"]["num_accelerators"] == 8
    assert body["items"][1]["error"]["suggestions"]


def test_batch_is_bounded(client):
    response = client.post("/v1/estimate/batch", json={"estimates": [ACCEPTANCE] * 1001})
    assert response.status_code == 422


def test_docs_show_every_endpoint_with_an_example(client):
    spec = client.get("/openapi.json").json()
    for path in ("/v1/estimate", "/v1/estimate/batch", "/livez", "/readyz"):
        assert path in spec["paths"], path
    operation = spec["paths"]["/v1/estimate"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["examples"]
    assert client.get("/docs").status_code == 200


def test_readyz_reports_the_database_at_head(client):
    body = client.get("/readyz").json()
    assert body["status"] == "ok" and body["revision"]
    assert client.get("/livez").json() == {"status": "ok"}
