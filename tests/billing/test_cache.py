from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.core.cache import caches

from billing.cache import ReusedClientRedisCache


@pytest.fixture
def redis_cache():
    if not settings.REDIS_URL:
        pytest.fail("the test harness starts Redis and sets REDIS_URL")
    backend = ReusedClientRedisCache(settings.REDIS_URL, {"KEY_PREFIX": "test-cache-reuse"})
    yield backend
    backend.clear()


def test_the_configured_cache_is_the_client_reusing_redis_cache():
    assert isinstance(caches["default"], ReusedClientRedisCache)


def test_every_call_gets_the_same_client(redis_cache):
    client = redis_cache._cache.get_client(write=True)

    assert redis_cache._cache.get_client("any-key", write=True) is client
    assert redis_cache._cache.get_client() is client  # one server: reads and writes share the pool


def test_one_client_serves_threads_each_with_its_own_values(redis_cache):
    def round_trip(index: int) -> int:
        redis_cache.set(f"key-{index}", index)
        redis_cache.set_many({f"other-{index}": index * 2})
        return redis_cache.get(f"key-{index}") + redis_cache.get(f"other-{index}")

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(round_trip, range(200)))

    assert results == [index * 3 for index in range(200)]
