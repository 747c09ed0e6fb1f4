"""The cache holds only what can be recomputed (dashboard figures, hot issues, the overdue
backlog): when Redis is down, a read is a miss and a write is skipped, and the page computes
its figures itself instead of failing. Nothing that must hold (rate limits, locks) lives here.
Without Redis the cache is Django's database cache (settings.CACHES: the table lianxin_cache,
shared by every process and kept across restarts), not a per-process memory."""

import logging
from collections.abc import Iterable
from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger("lianxin.cache")
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class ResilientRedisCache(RedisCache):
    def _quietly(self, name: str, default: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return getattr(super(), name)(*args, **kwargs)
        except UNAVAILABLE as exc:
            log.warning("cache unavailable (%s): %s skipped", type(exc).__name__, name)
            return default

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._quietly("get", default, key, default, version)

    def get_many(self, keys: Iterable[Any], version: int | None = None) -> Any:
        return self._quietly("get_many", {}, keys, version)

    def set(self, key: Any, value: Any, timeout: Any = None, version: int | None = None) -> None:  # noqa: A003 - Django's name
        self._quietly("set", None, key, value, timeout, version)

    def add(self, key: Any, value: Any, timeout: Any = None, version: int | None = None) -> bool:
        return bool(self._quietly("add", False, key, value, timeout, version))

    def delete(self, key: Any, version: int | None = None) -> bool:
        return bool(self._quietly("delete", False, key, version))

    def clear(self) -> None:
        self._quietly("clear", None)
