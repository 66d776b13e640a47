"""The ``costcurve`` command on a real database of each backend."""

from __future__ import annotations

import json

from sqlalchemy import select

from service.auth import hash_api_key
from service.cli import main
from service.db import make_engine, make_sessionmaker
from service.settings import Settings
from service.tables import ApiKey, Model


def test_db_upgrade_seed_and_create_api_key(database_url, monkeypatch, capsys):
    monkeypatch.setenv("COSTCURVE_DATABASE_URL", database_url)
    assert main(["db", "upgrade"]) == 0
    assert "head: " in capsys.readouterr().out

    assert main(["seed"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["inserted"] > 0
    assert main(["seed"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["inserted"] == 0 and second["updated"] == 0

    assert main(["create-api-key", "ci"]) == 0
    key = capsys.readouterr().out.strip().splitlines()[0]
    engine = make_engine(Settings(database_url=database_url).sqlalchemy_url)
    with make_sessionmaker(engine)() as session:
        stored = session.execute(select(ApiKey.key_sha256)).scalars().all()
        assert hash_api_key(key) in stored and key not in stored
        assert session.execute(select(Model.id).where(Model.id == "deepseek-r1")).scalar_one()
    engine.dispose()

