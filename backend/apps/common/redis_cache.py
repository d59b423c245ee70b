"""Django's Redis cache with one connection pool per process instead of one per cache object.

Django keeps cache objects in a context-local registry. Under ASGI every request runs in a new
context, so each request built a new `RedisCacheClient`, a new redis-py pool and a new TCP
connection (with its HELLO, CLIENT SETINFO and health check) for its first throttle lookup; a
profile of the submission benchmark showed this as 15-20 % of the server's CPU. Here the pools
are shared by every client with the same servers and options, and so is the redis-py client object
over each pool (building one costs about a third of a millisecond, once per throttle lookup).
redis-py clients and pools are thread-safe, and pools reset themselves in a forked child.
"""

import threading

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

_POOLS: dict[tuple, dict[int, object]] = {}
_CLIENTS: dict[tuple, dict[int, object]] = {}
_LOCK = threading.Lock()


class SharedPoolRedisCacheClient(RedisCacheClient):
    def __init__(self, servers, **options) -> None:
        super().__init__(servers, **options)
        key = (tuple(servers), repr(sorted(self._pool_options.items(), key=lambda item: item[0])), self._pool_class)
        with _LOCK:
            self._pools = _POOLS.setdefault(key, {})
            self._clients = _CLIENTS.setdefault(key, {})

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients.setdefault(index, self._client(connection_pool=self._get_connection_pool(write)))
        return client

    def _get_connection_pool(self, write):
        index = self._get_connection_pool_index(write)
        pool = self._pools.get(index)
        if pool is None:
            with _LOCK:
                pool = self._pools.get(index)
                if pool is None:
                    pool = self._pool_class.from_url(self._servers[index], **self._pool_options)
                    self._pools[index] = pool
        return pool


class SharedPoolRedisCache(RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = SharedPoolRedisCacheClient
