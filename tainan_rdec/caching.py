"""The cache, failing soft: the one way the portal reads and writes Django's cache.

The cache (Redis in production, shared with Celery) only ever saves work: every value in it can
be computed again. So a cache that fails — Redis restarting, out of memory, unreachable — must
cost time, never an answer: a read that fails is a miss, a write that fails is skipped, and a
counter that cannot count says so (``None``) for the caller to decide. Each failure is logged
as a warning; nothing is raised. ``tests/tainan_rdec/test_public_feeds.py`` runs every page
that uses the cache with the cache on a closed port, and checks that no other module touches
``django.core.cache``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

T = TypeVar("T")

# What a cache backend raises when its server is gone: redis-py's errors (connection, timeout,
# out of memory, read-only replica) and the socket errors of the other backends.
CACHE_ERRORS = (RedisError, OSError)


def _warn(action: str, key: str, exc: Exception) -> None:
    log.warning("cache unavailable, %s %s without it: %s: %s", action, key, type(exc).__name__, exc)


def get_or_build(key: str, build: Callable[[], T], timeout: int) -> T:
    """The value kept under ``key``, or ``build()`` kept there for ``timeout`` seconds. A
    ``None`` from ``build`` is returned but not kept (so a lookup of something missing stores
    nothing). With the cache down, ``build()`` every time."""
    try:
        value = cache.get(key)
    except CACHE_ERRORS as exc:
        _warn("building", key, exc)
        return build()
    if value is not None:
        return value
    value = build()
    if value is not None:
        try:
            cache.set(key, value, timeout)
        except CACHE_ERRORS as exc:
            _warn("not keeping", key, exc)
    return value


def count(key: str, timeout: int) -> int | None:
    """Add one to the counter ``key`` (made, at 0, to expire after ``timeout`` seconds) and
    return it; ``None`` when the cache cannot count."""
    try:
        cache.add(key, 0, timeout)
        try:
            return cache.incr(key)
        except ValueError:
            # Expired or evicted between the two calls: this is its first count again.
            cache.set(key, 1, timeout)
            return 1
    except CACHE_ERRORS as exc:
        _warn("counting", key, exc)
        return None
