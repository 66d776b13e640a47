"""The results cache: in-process LRU, Redis shared between instances, and the fallback."""

from __future__ import annotations

from fastapi.testclient import TestClient

from service.cache import LruCache, RedisCache, cache_key
from service.main import create_app
from tests.conftest import make_settings
from tests.estimates.test_estimate_api import ACCEPTANCE


def test_keys_are_sha256_over_request_and_versions():
    key = cache_key("estimate", {"b": 1, "a": 2}, catalog_version=3, engine_version="1")
    assert key == cache_key("estimate", {"a": 2, "b": 1}, catalog_version=3, engine_version="1")
    assert len(key) == 64 and int(key, 16) >= 0
    assert key != cache_key("estimate", {"a": 2, "b": 1}, catalog_version=4, engine_version="1")
    assert key != cache_key("estimate", {"a": 2, "b": 1}, catalog_version=3, engine_version="2")


def test_lru_is_bounded_and_evicts_the_least_recently_used():
    cache = LruCache(2)
    cache.set("a", b"1")
    cache.set("b", b"2")
    assert cache.get("a") == b"1"
    cache.set("c", b"3")
    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c"), len(cache)) == (b"1", b"3", 2)


def test_redis_is_shared_between_instances(redis_url):
    one = RedisCache(redis_url, local=LruCache(10), ttl_s=60)
    two = RedisCache(redis_url, local=LruCache(10), ttl_s=60)
    one.set("k", b"answer")
    assert two.get("k") == b"answer"
    one.close()
    two.close()


def test_unreachable_redis_falls_back_to_the_process_cache():
    cache = RedisCache("redis://127.0.0.1:1/0", local=LruCache(10), ttl_s=60)
    cache.set("k", b"v")
    assert cache.get("k") == b"v"
    assert cache.describe()["redis_available"] is False
    cache.close()


def test_two_service_instances_share_answers_through_redis(database_url, redis_url):
    settings = make_settings(database_url, redis_url=redis_url)
    with TestClient(create_app(settings)) as first:
        assert first.post("/v1/estimate", json=ACCEPTANCE).headers["x-cache"] == "miss"
    with TestClient(create_app(settings)) as second:
        response = second.post("/v1/estimate", json=ACCEPTANCE)
        assert response.headers["x-cache"] == "hit"
        assert response.json()["deployment"]["num_accelerators"] == 8


def test_service_answers_while_redis_is_down(database_url):
    settings = make_settings(database_url, redis_url="redis://127.0.0.1:1/0")
    with TestClient(create_app(settings)) as client:
        first = client.post("/v1/estimate", json=ACCEPTANCE)
        second = client.post("/v1/estimate", json=ACCEPTANCE)
    assert first.status_code == 200 and first.headers["x-cache"] == "miss"
    assert second.headers["x-cache"] == "hit"


def test_a_write_by_another_process_is_seen_by_the_next_estimates(client, settings):
    """Another instance (here: its own engine and session) bumps the catalog version; this
    instance's next estimate after the version-check interval is recomputed, not served stale."""
    import time

    from service.catalog.repository import bump_catalog_version
    from service.db import make_engine, make_sessionmaker
    from service.estimates.service import ContextHolder

    assert client.post("/v1/estimate", json=ACCEPTANCE).headers["x-cache"] == "miss"
    assert client.post("/v1/estimate", json=ACCEPTANCE).headers["x-cache"] == "hit"
    other = make_engine(settings.sqlalchemy_url)
    with make_sessionmaker(other).begin() as session:
        bump_catalog_version(session)
    other.dispose()
    time.sleep(ContextHolder.VERSION_CHECK_INTERVAL_S * 5)
    after = client.post("/v1/estimate", json=ACCEPTANCE)
    assert after.headers["x-cache"] == "miss"
