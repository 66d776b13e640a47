"""The answers over HTTP (on SQLite and PostgreSQL through the ``client`` fixture): curves, compare,
frontier; their CSV, SVG and PNG forms; bounds; cache reuse."""

from __future__ import annotations

import csv
import io
import math
import xml.etree.ElementTree as ET

import pytest

from service.answers.schemas import MAX_CURVE_POINTS, MAX_FRONTIER_POINTS

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def curves(client):
    response = client.post("/v1/curves", json={})
    assert response.status_code == 200, response.text
    return response.json()


def test_empty_body_gives_the_ladder_on_every_priced_platform(curves):
    sizes = {p["model"]: p["params_total_b"] for p in curves["points"]}
    assert len(curves["models"]) >= 8
    assert len(set(sizes.values())) >= 8, "at least 8 distinct model sizes answered"
    assert min(sizes.values()) <= 8.1 and max(sizes.values()) >= 405
    moe = {p["model"]: p["moe"] for p in curves["points"]}
    assert any(moe.values()) and not all(moe.values()), "dense and MoE models"
    assert len(curves["platforms"]) >= 8
    answered = {p["platform"] for p in curves["points"]}
    assert len(answered) >= 8

    a = curves["assumptions"]
    assert (a["workload_preset"], a["input_tokens"], a["output_tokens"]) == ("chat", 1024, 1024)
    assert a["ttft_ms"] == 2000 and a["min_tokens_per_s_per_user"] == pytest.approx(20)
    for p in curves["points"]:
        assert p["interactivity_tokens_per_s_per_user"] >= 20 * (1 - 1e-9)
        assert p["ttft_ms"] <= 2000 * (1 + 1e-9)
        assert 0 < p["usd_per_million_output_tokens_p10"] <= p["usd_per_million_output_tokens_p90"]
        assert p["tokens_per_dollar"] == pytest.approx(1e6 / p["usd_per_million_output_tokens"], rel=1e-9)
        assert p["price"]["basis"] in {"catalog", "tco-table"}


def test_rankings_crossings_and_the_leader_follow_the_points(curves):
    summary = curves["summary"]
    assert [r["model"] for r in summary["rankings"]] == curves["models"]
    cost = {(p["model"], p["platform"]): p["usd_per_million_output_tokens"] for p in curves["points"]}
    for ranking in summary["rankings"]:
        values = [cost[(ranking["model"], platform)] for platform in ranking["platforms"]]
        assert values == sorted(values)
        assert ranking["leader"] == ranking["platforms"][0]
    for c in summary["crossings"]:
        small, large = c["between"]
        assert cost[(small, c["ahead_before"])] < cost[(small, c["ahead_after"])]
        assert cost[(large, c["ahead_after"])] < cost[(large, c["ahead_before"])]
    leaders = summary["leader_by_model"]
    best = summary["best_as_size_grows"]
    assert sum(1 for v in leaders.values() if v == best) == max(
        sum(1 for v in leaders.values() if v == p) for p in set(leaders.values()))
    assert best in summary["statement"]


def test_unmet_points_say_why(client):
    body = {"models": ["llama-3.1-405b"], "platforms": ["nvidia-l40s", "nvidia-b200"],
            "slo": {"min_tokens_per_s_per_user": 200, "ttft_ms": 300}}
    answer = client.post("/v1/curves", json=body).json()
    assert answer["unmet"], "405B dense cannot give 200 tok/s/user on L40S"
    for u in answer["unmet"]:
        assert u["reason"] and u["code"]
    assert {(p["model"], p["platform"]) for p in answer["points"]}.isdisjoint(
        {(u["model"], u["platform"]) for u in answer["unmet"]})


def test_csv_has_the_same_rows_as_the_json(client, curves):
    response = client.post("/v1/curves?format=csv", json={})
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    ok = [r for r in rows if r["status"] == "ok"]
    assert [(r["model"], r["platform"]) for r in ok] == [(p["model"], p["platform"]) for p in curves["points"]]
    for row, p in zip(ok, curves["points"], strict=True):
        assert float(row["usd_per_million_output_tokens"]) == pytest.approx(p["usd_per_million_output_tokens"])
        assert int(row["num_accelerators"]) == p["deployment"]["num_accelerators"]
        assert row["workload"] == "chat"
    unmet = [(r["model"], r["platform"]) for r in rows if r["status"] == "unmet"]
    assert unmet == [(u["model"], u["platform"]) for u in curves["unmet"]]
    by_accept = client.post("/v1/curves", json={}, headers={"Accept": "text/csv"})
    assert by_accept.text == response.text


def _texts(svg_bytes: bytes) -> list[str]:
    root = ET.fromstring(svg_bytes)
    assert root.tag == SVG + "svg"
    return ["".join(t.itertext()) for t in root.iter(SVG + "text")]


def test_svg_chart_has_axis_labels_legend_and_caption(client, curves):
    response = client.post("/v1/curves?format=svg", json={})
    assert response.headers["content-type"] == "image/svg+xml"
    texts = _texts(response.content)
    joined = "\n".join(texts)
    assert "USD per million output tokens (log scale)" in texts
    assert "Model, by total parameters (billions)" in texts
    assert "Platform" in texts, "legend title"
    for platform in {p["platform"] for p in curves["points"]}:
        assert platform in texts, f"legend entry {platform}"
    assert "Workload: chat 1,024 input / 1,024 output" in joined
    assert "TTFT <= 2,000 ms" in joined and "Price:" in joined


def test_png_and_get_chart_url(client):
    png = client.post("/v1/curves?format=png", json={"models": ["llama-3.1-8b", "llama-3.1-70b"],
                                                    "platforms": ["nvidia-b200", "amd-mi300x"]})
    assert png.headers["content-type"] == "image/png"
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
    svg = client.get("/v1/curves.svg?models=llama-3.1-8b,llama-3.1-70b&platforms=nvidia-b200,amd-mi300x")
    assert svg.status_code == 200 and "nvidia-b200" in _texts(svg.content)
    as_json = client.get("/v1/curves.json?models=llama-3.1-8b,llama-3.1-70b&platforms=nvidia-b200,amd-mi300x"
                         "&workload=chat&min_tokens_per_s_per_user=20&ttft_ms=2000")
    posted = client.post("/v1/curves", json={"models": ["llama-3.1-8b", "llama-3.1-70b"],
                                             "platforms": ["nvidia-b200", "amd-mi300x"]})
    assert as_json.json()["points"] == posted.json()["points"]
    frontier_png = client.get("/v1/frontier.png?model=gpt-oss-120b&platforms=nvidia-b200&concurrencies=1,8,64")
    assert frontier_png.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_more_points_than_the_bound_is_a_422_problem(client):
    models = [m["id"] for m in client.get("/v1/models?limit=500").json()["items"]]
    platforms = [p["id"] for p in client.get("/v1/platforms?limit=500").json()["items"]]
    assert len(models) * len(platforms) > MAX_CURVE_POINTS
    response = client.post("/v1/curves", json={"models": models, "platforms": platforms})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith("/too-many-points") and body["max_points"] == MAX_CURVE_POINTS

    concurrencies = list(range(1, 65))
    too_many = client.post("/v1/frontier", json={
        "model": "gpt-oss-120b", "concurrencies": concurrencies,
        "platforms": platforms[: MAX_FRONTIER_POINTS // len(concurrencies) + 1]})
    assert too_many.status_code == 422 and too_many.json()["max_points"] == MAX_FRONTIER_POINTS


def test_unknown_ids_are_404_with_suggestions(client):
    response = client.post("/v1/curves", json={"models": ["llama-3.1-7b"]})
    assert response.status_code == 404 and response.json()["suggestions"]
    assert client.post("/v1/compare", json={"model": "gpt-oss-120b", "platforms": ["nvidia-b20"]}).status_code == 404


def test_frontier_is_pareto_with_cost_at_every_point(client):
    response = client.post("/v1/frontier", json={
        "model": "gpt-oss-120b", "platforms": ["nvidia-h200-sxm-141gb", "nvidia-b200"]})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert [s["platform"] for s in answer["series"]] == ["nvidia-h200-sxm-141gb", "nvidia-b200"]
    for series in answer["series"]:
        points = series["points"]
        assert len(points) >= 3 and series["swept"] >= len(points)
        for a in points:
            assert math.isfinite(a["usd_per_million_output_tokens"]) and a["usd_per_million_output_tokens"] > 0
            for b in points:
                dominated = (b["interactivity_tokens_per_s_per_user"] >= a["interactivity_tokens_per_s_per_user"]
                             and b["output_tokens_per_s_per_accelerator"] >= a["output_tokens_per_s_per_accelerator"]
                             and b is not a and (b["interactivity_tokens_per_s_per_user"],
                                                 b["output_tokens_per_s_per_accelerator"])
                             != (a["interactivity_tokens_per_s_per_user"], a["output_tokens_per_s_per_accelerator"]))
                assert not dominated, (a, b)
        inter = [p["interactivity_tokens_per_s_per_user"] for p in points]
        assert inter == sorted(inter)
    csv_rows = list(csv.DictReader(io.StringIO(
        client.post("/v1/frontier?format=csv", json={"model": "gpt-oss-120b",
                                                      "platforms": ["nvidia-h200-sxm-141gb", "nvidia-b200"]}).text)))
    assert len([r for r in csv_rows if r["status"] == "ok"]) == sum(len(s["points"]) for s in answer["series"])


def test_compare_orders_platforms_and_costs_racks_per_rack(client):
    body = {"model": "gpt-oss-120b", "platforms": ["nvidia-h100-sxm-80gb", "nvidia-b200", "nvidia-gb200-nvl72"]}
    answer = client.post("/v1/compare", json=body).json()
    costs = [p["usd_per_million_output_tokens"] for p in answer["points"]]
    assert costs == sorted(costs)
    assert min(answer["relative_to_best"].values()) == pytest.approx(1.0)
    assert [p["rank"] for p in answer["points"]] == list(range(1, len(costs) + 1))

    per_rack = client.post("/v1/compare", json={**body, "rack_unit": "rack"}).json()
    rack = next(p for p in per_rack["points"] if p["platform"] == "nvidia-gb200-nvl72-rack")
    assert rack["unit"] == "rack (72 GPUs)" and rack["deployment"]["num_accelerators"] == 72
    assert rack["usd_per_unit_hour"] == pytest.approx(72 * rack["price"]["usd_per_accelerator_hour"])
    chart = client.post("/v1/compare?format=svg", json=body)
    assert "USD per million output tokens" in _texts(chart.content)


def test_tco_build_up_and_return_over_the_amortisation_period(client):
    body = {"model": "gpt-oss-120b", "platforms": ["nvidia-gb200-nvl72"], "rack_unit": "rack",
            "pricing": {"tco": {"purchase_usd_per_rack": 5_000_000, "amortisation_years": 4, "utilisation": 0.8,
                                "pue": 1.25, "usd_per_kwh": 0.1}},
            "returns": {"usd_per_million_tokens_price": 0.5}}
    point = client.post("/v1/compare", json=body).json()["points"][0]
    price = point["price"]
    assert price["basis"] == "tco"
    c = price["components"]
    # 5,000,000 / 72 per GPU over 4 years x 8760 h x 0.8 serving hours.
    assert c["purchase_usd_per_accelerator"] == pytest.approx(5e6 / 72)
    assert c["capital_usd_per_hour"] == pytest.approx(5e6 / 72 / (4 * 8760 * 0.8))
    assert c["energy_usd_per_hour"] == pytest.approx(c["facility_kw_per_accelerator"] * 0.1)
    r = point["returns"]
    assert r["capital_usd"] == pytest.approx(5e6)
    tokens = point["output_tokens_per_s_per_accelerator"] * 72 * 4 * 8760 * 3600 * 0.8
    assert r["revenue_usd"] == pytest.approx(tokens / 1e6 * 0.5)
    # Over the period a TCO price costs the purchase plus energy while serving plus opex.
    assert r["infrastructure_cost_usd"] == pytest.approx(5e6 + 72 * c["energy_usd_per_hour"] * 4 * 8760 * 0.8)


def test_workload_presets_are_named_in_the_answer(client):
    answer = client.post("/v1/compare", json={"model": "llama-3.1-70b", "platforms": ["nvidia-h200-sxm-141gb"],
                                              "workload": {"preset": "reasoning"},
                                              "slo": {"preset": "mlperf-llama2-70b-server"}}).json()
    a = answer["assumptions"]
    assert (a["workload_preset"], a["input_tokens"], a["output_tokens"]) == ("reasoning", 1024, 8192)
    assert (a["slo_preset"], a["ttft_ms"], a["tpot_ms"]) == ("mlperf-llama2-70b-server", 2000, 200)
    overridden = client.post("/v1/compare", json={"model": "llama-3.1-70b", "platforms": ["nvidia-h200-sxm-141gb"],
                                                  "workload": {"preset": "rag", "output_tokens": 256}}).json()
    assert overridden["assumptions"]["workload_preset"] == "rag (overridden)"
    assert overridden["assumptions"]["output_tokens"] == 256
    assert client.post("/v1/compare", json={"model": "llama-3.1-70b", "workload": {
        "preset": "chat", "concurrency": 8}}).status_code == 422


def test_repeat_is_a_cache_hit_in_every_format(client):
    body = {"models": ["llama-3.1-8b", "gpt-oss-120b"], "platforms": ["nvidia-h100-sxm-80gb", "nvidia-b200"]}
    first = client.post("/v1/curves", json=body)
    second = client.post("/v1/curves", json=body)
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("miss", "hit")
    assert first.content == second.content and first.headers["etag"] == second.headers["etag"]
    assert client.post("/v1/curves?format=csv", json=body).headers["x-cache"] == "miss"
    assert client.post("/v1/curves?format=csv", json=body).headers["x-cache"] == "hit"
    assert client.post("/v1/curves", json=body, headers={"If-None-Match": first.headers["etag"]}).status_code == 304
    # The points went through the shared estimate cache, so the same single estimate is a hit.
    single = {"model": "llama-3.1-8b", "platform": "nvidia-b200", "workload": {"preset": "chat"},
              "slo": {"ttft_ms": 2000, "min_tokens_per_s_per_user": 20}}
    assert client.post("/v1/estimate", json=single).headers["x-cache"] == "hit"
