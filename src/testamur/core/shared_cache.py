"""The shared cache (settings.CACHES: Redis, else a database table) for what may be lost.

What is kept here can always be made again, so a cache that does not answer (Redis down or
restarting, the cache table missing) must cost only the making: never a 500. Each miss is
logged, so an operator sees the cache is down.
"""

import logging

from django.core.cache import cache

log = logging.getLogger(__name__)


def cache_read(key: str):
    """The value kept under `key`; None when there is none or the cache does not answer."""
    try:
        return cache.get(key)
    except Exception:
        log.exception("Shared cache not read (%s): made afresh instead", key)
        return None


def cache_keep(key: str, value, seconds: int) -> None:
    try:
        cache.set(key, value, seconds)
    except Exception:
        log.exception("Shared cache not written (%s)", key)


def cache_forget(keys: list[str]) -> None:
    """Drop these keys. When the cache does not answer they stay until they expire."""
    try:
        cache.delete_many(keys)
    except Exception:
        log.exception("Shared cache keys not dropped: they expire on their own")
