"""The Redis cache, failing soft: with Redis unreachable, reads miss and writes are skipped.

Everything kept in the cache can be recomputed from Postgres (feed documents, parsed requests,
throttle counters, debounce marks), so an outage must cost speed, never a request: a rating is
saved and confirmed, the feed is computed from the database, a login works. Each failure is
logged (at most once a minute per process, so an outage does not flood the log).
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
LOG_EVERY_S = 60.0


class SoftRedisCache(RedisCache):
    _last_logged = 0.0

    def _unreachable(self, operation: str, exc: Exception) -> None:
        now = time.monotonic()
        if now - SoftRedisCache._last_logged >= LOG_EVERY_S:
            SoftRedisCache._last_logged = now
            logger.warning("cache unreachable during %s (%s); going on without it", operation, exc)

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except UNREACHABLE as exc:
            self._unreachable("get", exc)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except UNREACHABLE as exc:
            self._unreachable("get_many", exc)
            return {}

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set(key, value, timeout, version)
        except UNREACHABLE as exc:
            self._unreachable("set", exc)
            return None

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        """True when the key was added; with the cache down, True too: the caller goes on (a debounce
        or a once-only mark is lost for the outage, which costs a duplicate task, not a request)."""
        try:
            return super().add(key, value, timeout, version)
        except UNREACHABLE as exc:
            self._unreachable("add", exc)
            return True

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except UNREACHABLE as exc:
            self._unreachable("incr", exc)
            return 0

    def counters_bump(self, keys, version=None) -> None:
        """Add one to each counter, in one round trip; a missing counter starts at 1 and never
        expires. (Redis INCR on the plain integer Django stores; cache.get reads it back as an int.)"""
        try:
            pipeline = self._cache.get_client(write=True).pipeline(transaction=False)
            for key in keys:
                pipeline.incr(self.make_and_validate_key(key, version=version))
            pipeline.execute()
        except UNREACHABLE as exc:
            self._unreachable("counters_bump", exc)

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except UNREACHABLE as exc:
            self._unreachable("delete", exc)
            return False
