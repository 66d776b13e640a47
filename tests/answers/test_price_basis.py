"""Ranking platforms on one price basis: the all-in TCO table."""

from __future__ import annotations


def test_curves_on_the_tco_table_use_one_basis_and_list_the_platforms_it_lacks(client):
    body = {"models": ["llama-3.1-70b", "gpt-oss-120b"],
            "platforms": ["nvidia-h100-sxm-80gb", "nvidia-b200", "amd-mi355x", "nvidia-a100-sxm-80gb"],
            "pricing": {"tco_table": "neocloud"}}
    answer = client.post("/v1/curves", json=body).json()
    assert {p["price"]["basis"] for p in answer["points"]} == {"tco-table"}
    # tco_inferencex.csv neocloud column: H100 1.69, B200 2.34, MI355X 1.90 USD per GPU-hour
    prices = {p["platform"]: p["price"]["usd_per_accelerator_hour"] for p in answer["points"]}
    assert prices == {"nvidia-h100-sxm-80gb": 1.69, "nvidia-b200": 2.34, "amd-mi355x": 1.90}
    lacking = {(u["platform"], u["code"]) for u in answer["unmet"]}
    assert ("nvidia-a100-sxm-80gb", "no-price") in lacking
    assert "Price bases differ" not in answer["summary"]["statement"]


def test_mixed_bases_are_named_in_the_summary(client):
    body = {"models": ["llama-3.1-70b"], "platforms": ["nvidia-h100-sxm-80gb", "amd-mi355x"]}
    answer = client.post("/v1/curves", json=body).json()
    assert {p["price"]["basis"] for p in answer["points"]} == {"catalog", "tco-table"}
    assert "pricing.tco_table" in answer["summary"]["statement"]
