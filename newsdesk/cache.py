"""A Redis cache that a reader never notices going down.

Django's RedisCache raises as soon as Redis does not answer, and every page that reads a cached
sidebar would become a 500. Here a failed call is logged (once per outage, not once per call)
and answered as a miss: reads return the default, writes do nothing, `incr` raises the
ValueError of a missing key (callers already handle that). After a failure Redis is left alone
for RETRY_AFTER seconds, so a page does not pay a connection timeout for each of its fragments.
Short socket timeouts keep a Redis that hangs (rather than refuses) from holding a page.

`Generation` is the one way the site retires a whole family of cached keys at once (the page
cache, the sidebars): a counter kept in this cache that the family's keys carry.
"""

import logging
import threading
import time

from django.core.cache import cache
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_AFTER = 5.0  # seconds without trying Redis after it failed
SOCKET_TIMEOUT = 0.5  # seconds a cache call may wait for Redis


class ForgivingRedisCache(RedisCache):
    def __init__(self, server, params):
        params = dict(params)
        options = {"socket_connect_timeout": SOCKET_TIMEOUT, "socket_timeout": SOCKET_TIMEOUT}
        options.update(params.get("OPTIONS") or {})
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._down_until = 0.0
        self._lock = threading.Lock()

    def _call(self, method: str, default, *args, **kwargs):
        if time.monotonic() < self._down_until:
            return default
        try:
            return getattr(super(), method)(*args, **kwargs)
        except RedisError as exc:
            with self._lock:
                was_up = time.monotonic() >= self._down_until
                self._down_until = time.monotonic() + RETRY_AFTER
            if was_up:
                logger.warning("cache unavailable, pages are served without it: %s", exc)
            return default

    @property
    def is_down(self) -> bool:
        return time.monotonic() < self._down_until

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        # Without a cache nobody can have added the key first: callers that use add() as a
        # "first one does the work" latch go ahead.
        return self._call("add", True, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", None, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version)

    def incr(self, key, delta=1, version=None):
        missing = object()
        value = self._call("incr", missing, key, delta, version)
        if value is missing:
            raise ValueError(f"Key '{key}' not found (cache unavailable)")
        return value

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", list(data), data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, keys, version)

    def clear(self):
        return self._call("clear", False)


class Generation:
    """A number in the default cache that a family of keys carries: `advance()` retires every key
    made under the old number at once, without knowing the keys (they expire on their own).

    With the cache unreachable (the forgiving cache answers as a miss) `current()` is 1 and
    `advance()` does nothing, never an error: the family is not stored meanwhile either.
    """

    def __init__(self, name: str):
        self.key = f"{name}:generation"

    def current(self) -> int:
        generation = cache.get(self.key)
        if generation is None:
            cache.add(self.key, 1, timeout=None)
            generation = cache.get(self.key, 1)
        return generation

    def advance(self) -> None:
        try:
            cache.incr(self.key)
        except ValueError:  # never set, or evicted: start again at 1 (retires any later number's keys)
            cache.add(self.key, 1, timeout=None)
