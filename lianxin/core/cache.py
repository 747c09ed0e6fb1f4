"""The cache holds only what can be recomputed (dashboard figures, hot issues, the overdue
backlog): when Redis is down, a read is a miss and a write is skipped, and the page computes
its figures itself instead of failing. Nothing that must hold (rate limits, locks) lives here.
Without Redis the cache is Django's database cache (settings.CACHES: the table lianxin_cache,
shared by every process and kept across restarts), not a per-process memory."""

import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger("lianxin.cache")
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class ResilientRedisCache(RedisCache):
    def _quietly(self, name, default, *args, **kwargs):
        try:
            return getattr(super(), name)(*args, **kwargs)
        except UNAVAILABLE as exc:
            log.warning("cache unavailable (%s): %s skipped", type(exc).__name__, name)
            return default

    def get(self, key, default=None, version=None):
        return self._quietly("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._quietly("get_many", {}, keys, version)

    def set(self, key, value, timeout=None, version=None):  # noqa: A003 - Django's name
        return self._quietly("set", None, key, value, timeout, version)

    def add(self, key, value, timeout=None, version=None):
        return self._quietly("add", False, key, value, timeout, version)

    def delete(self, key, version=None):
        return self._quietly("delete", False, key, version)

    def clear(self):
        return self._quietly("clear", None)
