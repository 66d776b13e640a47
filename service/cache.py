"""Results cache: a bounded in-process LRU, with Redis behind it when ``COSTCURVE_REDIS_URL`` is set.

Keys are sha256 digests over the canonical request, the catalog version and the engine version
(:func:`cache_key`), so an entry can never be served for another catalog: a catalog write bumps the
version and the next request misses. Redis is shared by every instance; while it cannot be reached the
service keeps answering from the in-process cache and retries Redis after a short back-off.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from typing import Any, Protocol

from service.settings import Settings

log = logging.getLogger(__name__)

KEY_PREFIX = "costcurve:result:"


def canonical_json(value: Any) -> bytes:
    """Deterministic JSON: sorted keys, no whitespace, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def cache_key(kind: str, payload: Any, *, catalog_version: int, engine_version: str) -> str:
    """sha256 over the kind of answer, the canonical payload and both versions (never ``hash()``)."""
    digest = hashlib.sha256()
    digest.update(canonical_json([kind, payload, catalog_version, engine_version]))
    return digest.hexdigest()


class ResultsCache(Protocol):
    def peek(self, key: str) -> bytes | None:
        """The entry if this process holds it; never does I/O (safe on the event loop)."""

    def get(self, key: str) -> bytes | None: ...
    def set(self, key: str, value: bytes) -> None: ...
    def describe(self) -> dict[str, Any]: ...
    def close(self) -> None: ...


class LruCache:
    """Thread-safe LRU bounded by entry count."""

    def __init__(self, max_entries: int) -> None:
        self._max = max_entries
        self._data: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    peek = get

    def set(self, key: str, value: bytes) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self._max:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)

    def describe(self) -> dict[str, Any]:
        return {"backend": "memory", "entries": len(self._data), "max_entries": self._max}

    def close(self) -> None:
        with self._lock:
            self._data.clear()


class RedisCache:
    """Redis shared by all instances, with the in-process LRU in front of it and as the fallback."""

    def __init__(self, url: str, *, local: LruCache, ttl_s: int, retry_after_s: float = 5.0) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=0.25, socket_connect_timeout=0.25)
        self._local = local
        self._ttl_s = ttl_s
        self._retry_after_s = retry_after_s
        self._down_until = 0.0
        self._url = url

    @property
    def redis_available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _failed(self, exc: Exception) -> None:
        if self.redis_available:
            log.warning("Redis cache unreachable (%s); using the in-process cache for %.0f s",
                        exc.__class__.__name__, self._retry_after_s)
        self._down_until = time.monotonic() + self._retry_after_s

    def peek(self, key: str) -> bytes | None:
        return self._local.get(key)

    def get(self, key: str) -> bytes | None:
        value = self._local.get(key)
        if value is not None or not self.redis_available:
            return value
        try:
            value = self._redis.get(KEY_PREFIX + key)
        except Exception as exc:  # noqa: BLE001 - any Redis failure means "fall back"
            self._failed(exc)
            return None
        if value is not None:
            self._local.set(key, value)
        return value

    def set(self, key: str, value: bytes) -> None:
        self._local.set(key, value)
        if not self.redis_available:
            return
        try:
            self._redis.set(KEY_PREFIX + key, value, ex=self._ttl_s)
        except Exception as exc:  # noqa: BLE001
            self._failed(exc)

    def describe(self) -> dict[str, Any]:
        return {"backend": "redis", "redis_available": self.redis_available, "local": self._local.describe()}

    def close(self) -> None:
        self._local.close()
        self._redis.close()


def build_cache(settings: Settings) -> ResultsCache:
    local = LruCache(settings.cache_max_entries)
    if settings.redis_url:
        return RedisCache(settings.redis_url, local=local, ttl_s=settings.cache_ttl_s)
    return local
