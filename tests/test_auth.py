"""API keys: stored only as sha256 digests, accepted from the table and from the settings."""

from __future__ import annotations

import hashlib

from sqlalchemy import select, text, update

from service.auth import create_api_key, hash_api_key
from service.tables import ApiKey

PATCH = ("/v1/models/llama-3.1-8b", {"notes": "edited"})


def test_hash_is_hex_sha256():
    assert hash_api_key("abc") == hashlib.sha256(b"abc").hexdigest()
    assert len(hash_api_key("abc")) == 64


def test_created_key_is_stored_hashed_and_accepted(client):
    with client.app.state.sessionmaker.begin() as session:
        key = create_api_key(session, "ci")
    assert len(key) >= 40
    with client.app.state.sessionmaker() as session:
        (row,) = session.execute(select(ApiKey)).scalars().all()
        assert row.name == "ci" and row.key_sha256 == hash_api_key(key) and row.revoked is False
        # The plaintext is nowhere in the table.
        dump = " ".join(str(v) for r in session.execute(text("SELECT * FROM api_keys")).all() for v in r)
        assert key not in dump

    path, body = PATCH
    assert client.patch(path, json=body, headers={"X-API-Key": key}).status_code == 200
    assert client.patch(path, json=body, headers={"X-API-Key": key + "x"}).status_code == 401
    assert client.patch(path, json=body, headers={"X-API-Key": hash_api_key(key)}).status_code == 401


def test_revoked_key_is_refused(client):
    with client.app.state.sessionmaker.begin() as session:
        key = create_api_key(session, "old")
    with client.app.state.sessionmaker.begin() as session:
        session.execute(update(ApiKey).values(revoked=True))
    path, body = PATCH
    response = client.patch(path, json=body, headers={"X-API-Key": key})
    assert response.status_code == 401 and response.headers["www-authenticate"].startswith("ApiKey")


def test_settings_key_is_accepted(client, write_headers):
    path, body = PATCH
    assert client.patch(path, json=body, headers=write_headers).status_code == 200


def test_keys_are_unique_per_creation(client):
    with client.app.state.sessionmaker.begin() as session:
        assert create_api_key(session, "a") != create_api_key(session, "a")
