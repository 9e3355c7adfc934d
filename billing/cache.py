"""Django's Redis cache, keeping one redis client per connection pool.

Django builds a new `redis.Redis` for every cache call, and each one fills a ~170-entry table of response callbacks:
on the ingestion path (two cache calls per batch) that cost more than the round trips. A client holds no connection
of its own (it borrows one from the pool per command), so one per pool serves every thread.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ReusedClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
