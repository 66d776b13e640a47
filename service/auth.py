"""Write access: API keys sent in ``X-API-Key``.

Keys live only as hex sha256 digests: in the ``api_keys`` table (made by ``create_api_key``, shown once)
and, for keys given in the settings (``COSTCURVE_API_KEYS``), in memory. Digests are compared with
``hmac.compare_digest`` so the comparison takes the same time wherever the strings differ.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.db import SessionDep
from service.problems import Problem
from service.tables import ApiKey

API_KEY_HEADER = "X-API-Key"

_api_key_header = APIKeyHeader(
    name=API_KEY_HEADER,
    auto_error=False,
    description="A write key: `costcurve create-api-key NAME` prints one, or set COSTCURVE_API_KEYS.",
)


def hash_api_key(key: str) -> str:
    """Hex sha256 of the key's UTF-8 bytes. Keys are 256-bit random tokens, so a plain (unsalted) digest
    is enough: there is nothing to guess from a dictionary."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_api_key(session: Session, name: str) -> str:
    """Store a new key's digest under ``name`` and return the plaintext; it is not kept anywhere."""
    key = secrets.token_urlsafe(32)
    session.add(ApiKey(name=name, key_sha256=hash_api_key(key), revoked=False))
    session.flush()
    return key


def _settings_digests(request: Request) -> list[str]:
    settings = getattr(request.app.state, "settings", None)
    return [hash_api_key(k) for k in (getattr(settings, "api_keys", None) or []) if k]


def key_is_valid(session: Session, key: str, *, settings_digests: list[str]) -> bool:
    digest = hash_api_key(key)
    # Every configured digest is compared, so the time taken does not depend on which one matched.
    matched = False
    for candidate in settings_digests:
        matched |= hmac.compare_digest(candidate, digest)
    if matched:
        return True
    stored = session.execute(
        select(ApiKey.key_sha256).where(ApiKey.key_sha256 == digest, ApiKey.revoked.is_(False))
    ).scalar_one_or_none()
    return stored is not None and hmac.compare_digest(stored, digest)


def require_api_key(
    request: Request,
    session: SessionDep,
    key: Annotated[str | None, Depends(_api_key_header)],
) -> str:
    """The dependency of every write: 401 problem without a valid key. Returns the key's digest."""
    if not key:
        raise Problem(
            401,
            "unauthorized",
            f"Writes need an API key in the {API_KEY_HEADER} header. Create one with "
            "`costcurve create-api-key NAME`, or set COSTCURVE_API_KEYS; reads need no key.",
            title="API key required",
            headers={"WWW-Authenticate": f'ApiKey header="{API_KEY_HEADER}"'},
        )
    if not key_is_valid(session, key, settings_digests=_settings_digests(request)):
        raise Problem(
            401,
            "unauthorized",
            f"The key in {API_KEY_HEADER} is not valid (unknown or revoked). Nothing was changed; "
            "create a key with `costcurve create-api-key NAME`.",
            title="Invalid API key",
            headers={"WWW-Authenticate": f'ApiKey header="{API_KEY_HEADER}"'},
        )
    return hash_api_key(key)


WriteAuth = Annotated[str, Depends(require_api_key)]
