"""The Redis cache backend shares one connection pool per process across cache objects."""

from django.core.cache.backends.redis import RedisCache

from apps.common.redis_cache import SharedPoolRedisCache

PARAMS = {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}


def test_cache_objects_of_different_requests_share_one_pool():
    # Django builds a cache object per request context under ASGI; these stand for two requests.
    first = SharedPoolRedisCache("redis://127.0.0.1:6379/13", PARAMS)
    second = SharedPoolRedisCache("redis://127.0.0.1:6379/13", PARAMS)
    assert first is not second and first._cache is not second._cache
    assert first._cache._get_connection_pool(write=True) is second._cache._get_connection_pool(write=True)
    assert first._cache._get_connection_pool(write=False) is second._cache._get_connection_pool(write=False)


def test_other_servers_or_options_get_their_own_pool():
    base = SharedPoolRedisCache("redis://127.0.0.1:6379/13", PARAMS)
    other_db = SharedPoolRedisCache("redis://127.0.0.1:6379/12", PARAMS)
    other_options = SharedPoolRedisCache("redis://127.0.0.1:6379/13", {"OPTIONS": {"socket_timeout": 5}})
    pool = base._cache._get_connection_pool(write=True)
    assert other_db._cache._get_connection_pool(write=True) is not pool
    assert other_options._cache._get_connection_pool(write=True) is not pool


def test_django_own_backend_builds_a_pool_per_cache_object():
    """What the subclass is for: with Django's class each request context would connect anew."""
    first = RedisCache("redis://127.0.0.1:6379/13", PARAMS)
    second = RedisCache("redis://127.0.0.1:6379/13", PARAMS)
    assert first._cache._get_connection_pool(write=True) is not second._cache._get_connection_pool(write=True)


def test_cache_objects_share_one_client_that_talks_to_redis():
    first = SharedPoolRedisCache("redis://127.0.0.1:6379/13", PARAMS)
    second = SharedPoolRedisCache("redis://127.0.0.1:6379/13", PARAMS)
    client = first._cache.get_client(write=True)
    assert second._cache.get_client(write=True) is client
    assert client.connection_pool is first._cache._get_connection_pool(write=True)
    first.set("shared-client-check", "写入", 5)
    assert second.get("shared-client-check") == "写入"
    other = SharedPoolRedisCache("redis://127.0.0.1:6379/12", PARAMS)
    assert other._cache.get_client(write=True) is not client
