"""The seeder: idempotent, updates changed seed values, never overwrites or resurrects a user's edit."""

from __future__ import annotations

import json

from sqlalchemy import select, update

from service.catalog import repository, seeder
from service.catalog.seed_data import model_rows, platform_rows, price_rows, slo_preset_rows, tco_rows
from service.catalog.snapshot import catalog_version, load_snapshot
from service.tables import EfficiencyParams, Model, Platform, Price

SEED_TOTAL = sum(len(rows()) for rows in (platform_rows, model_rows, price_rows, tco_rows, slo_preset_rows))


def _efficiency_file(tmp_path, rows):
    path = tmp_path / "efficiency_params.json"
    path.write_text(json.dumps(rows))
    return path


EFFICIENCY = [
    {
        "id": "any",
        "platform_family": None,
        "platform_id": None,
        "precision": None,
        "framework": None,
        "params": {"hbm_bandwidth_fraction": 0.7},
        "residual_p10": -0.2,
        "residual_p90": 0.2,
        "n_cases": 10,
        "provenance": "test",
    },
    {
        "id": "nvidia-hopper--fp8",
        "platform_family": "nvidia-hopper",
        "platform_id": None,
        "precision": "fp8",
        "framework": None,
        "params": {"hbm_bandwidth_fraction": 0.8},
        "residual_p10": -0.1,
        "residual_p90": 0.1,
        "n_cases": 5,
        "provenance": "test",
    },
]


def test_seed_twice_changes_nothing(db_session, tmp_path):
    path = _efficiency_file(tmp_path, EFFICIENCY)
    first = seeder.seed(db_session, efficiency_seed=path)
    db_session.commit()
    assert first == {"inserted": SEED_TOTAL + 2, "updated": 0, "kept": 0}
    version = catalog_version(db_session)
    assert version == 1
    revisions = dict(db_session.execute(select(Platform.id, Platform.revision)).all())

    second = seeder.seed(db_session, efficiency_seed=path)
    assert second == {"inserted": 0, "updated": 0, "kept": SEED_TOTAL + 2}
    assert not db_session.dirty and not db_session.new
    db_session.commit()
    assert catalog_version(db_session) == version
    assert dict(db_session.execute(select(Platform.id, Platform.revision)).all()) == revisions


def test_seed_uses_the_csv_ids(db_session):
    seeder.seed(db_session)
    db_session.commit()
    assert set(repository.ids(db_session, Platform)) == {r["id"] for r in platform_rows()}
    assert set(repository.ids(db_session, Model)) == {r["id"] for r in model_rows()}
    assert set(repository.ids(db_session, Price)) == {r["id"] for r in price_rows()}


def test_seed_updates_a_changed_seed_value_but_not_a_user_edit(db_session):
    seeder.seed(db_session)
    db_session.commit()
    # Simulate an older seed value on an untouched row, and a user's edit on another.
    db_session.execute(update(Platform).where(Platform.id == "amd-mi300x").values(memory_gb=1.0))
    db_session.execute(
        update(Platform).where(Platform.id == "nvidia-l4").values(memory_gb=2.0, user_modified=True, revision=2)
    )
    db_session.commit()
    version = catalog_version(db_session)

    counts = seeder.seed(db_session)
    db_session.commit()
    assert counts["updated"] == 1 and counts["inserted"] == 0
    mi300x = db_session.get(Platform, "amd-mi300x")
    assert mi300x.memory_gb == 192.0 and mi300x.revision == 2 and mi300x.user_modified is False
    l4 = db_session.get(Platform, "nvidia-l4")
    assert l4.memory_gb == 2.0 and l4.revision == 2 and l4.user_modified is True
    assert catalog_version(db_session) == version + 1


def test_seeder_does_not_overwrite_or_resurrect_api_edits(client, write_headers):
    client.patch("/v1/models/qwen3-32b", json={"max_context": 1234}, headers=write_headers)
    client.delete("/v1/prices/nvidia-h100-sxm-80gb--aws--on-demand", headers=write_headers)
    with client.app.state.sessionmaker() as session:
        version = catalog_version(session)
        counts = seeder.seed(session)
        session.commit()
        assert counts["inserted"] == 0 and counts["updated"] == 0
        assert catalog_version(session) == version
    assert client.get("/v1/models/qwen3-32b").json()["max_context"] == 1234
    assert client.get("/v1/prices/nvidia-h100-sxm-80gb--aws--on-demand").status_code == 404
    # Creating it again through the API is allowed.
    again = {
        "platform_id": "nvidia-h100-sxm-80gb",
        "provider": "AWS",
        "pricing_type": "on-demand",
        "usd_per_accelerator_hour": 6.0,
        "date": "2026-12-01",
        "source": "console",
    }
    assert client.post("/v1/prices", json=again, headers=write_headers).status_code == 201


def test_efficiency_rows_replaced_by_calibration_are_kept(db_session, tmp_path):
    path = _efficiency_file(tmp_path, EFFICIENCY)
    seeder.seed(db_session, efficiency_seed=path)
    db_session.commit()
    version = catalog_version(db_session)
    fitted = [
        {**EFFICIENCY[0], "params": {"hbm_bandwidth_fraction": 0.66}},
        {**EFFICIENCY[1], "id": "fitted", "n_cases": 7},
    ]
    repository.replace_efficiency_rows(db_session, fitted)
    db_session.commit()
    assert catalog_version(db_session) == version + 1
    rows = db_session.execute(select(EfficiencyParams).order_by(EfficiencyParams.id)).scalars().all()
    assert [(r.id, r.params["hbm_bandwidth_fraction"], r.user_modified) for r in rows] == [
        ("any", 0.66, True),
        ("fitted", 0.8, True),
    ]
    assert all(r.fitted_at is not None for r in rows)
    counts = seeder.seed(db_session, efficiency_seed=path)
    db_session.commit()
    assert counts["inserted"] == counts["updated"] == 0
    assert repository.ids(db_session, EfficiencyParams) == ["any", "fitted"]
    assert db_session.get(EfficiencyParams, "any").params == {"hbm_bandwidth_fraction": 0.66}


def test_efficiency_seed_changes_are_applied_while_not_calibrated(db_session, tmp_path):
    seeder.seed(db_session, efficiency_seed=_efficiency_file(tmp_path, EFFICIENCY))
    db_session.commit()
    changed = [{**EFFICIENCY[0], "params": {"hbm_bandwidth_fraction": 0.75}}]
    counts = seeder.seed(db_session, efficiency_seed=_efficiency_file(tmp_path, changed))
    db_session.commit()
    assert counts["inserted"] == 0 and counts["updated"] == 2  # one changed, one removed
    assert db_session.get(EfficiencyParams, "any").params == {"hbm_bandwidth_fraction": 0.75}


def test_missing_efficiency_file_seeds_none(db_session, tmp_path):
    seeder.seed(db_session, efficiency_seed=tmp_path / "absent.json")
    assert repository.ids(db_session, EfficiencyParams) == []


def test_snapshot(db_session, tmp_path):
    seeder.seed(db_session, efficiency_seed=_efficiency_file(tmp_path, EFFICIENCY))
    db_session.commit()
    snap = load_snapshot(db_session)
    assert snap.version == catalog_version(db_session) == 1
    assert set(snap.models) == {r["id"] for r in model_rows()}
    assert set(snap.platform_rows) == {r["id"] for r in platform_rows()}
    assert snap.racks == {
        "nvidia-gb200-nvl72-rack": ("nvidia-gb200-nvl72", 72),
        "nvidia-gb300-nvl72-rack": ("nvidia-gb300-nvl72", 72),
    }
    assert set(snap.platforms) == set(snap.platform_rows) - set(snap.racks)
    assert snap.platforms["nvidia-h100-sxm-80gb"].hbm_bandwidth_bytes_per_s == 3.35e12
    assert snap.models["llama-3.1-70b"].num_kv_heads == 8
    seeded = {r["id"]: r for r in platform_rows()}
    assert snap.platform_rows["nvidia-gb200-nvl72-rack"] == seeded["nvidia-gb200-nvl72-rack"]
    assert sorted(p["id"] for p in snap.prices) == sorted(r["id"] for r in price_rows())
    assert snap.prices[0].keys() == price_rows()[0].keys()
    assert set(snap.tco) == {r["platform_id"] for r in tco_rows()}
    assert set(snap.slo_presets) == {r["id"] for r in slo_preset_rows()}
    assert [r["id"] for r in snap.efficiency_rows] == ["any", "nvidia-hopper--fp8"]
    assert snap.efficiency_rows[1]["params"] == {"hbm_bandwidth_fraction": 0.8}
    assert "user_modified" not in snap.efficiency_rows[0]
