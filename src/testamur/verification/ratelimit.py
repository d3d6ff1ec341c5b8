"""A per-client-address request limit for the public pages, kept in Django's cache.

Use a cache all web processes share (database or Redis) in production; the default
local-memory cache limits each process separately.
"""

import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

# scope → (requests, seconds); settings.VERIFICATION_RATE_LIMITS overrides any of them.
DEFAULT_LIMITS = {
    "verify": (120, 60),
    "lookup": (10, 600),
    "portal": (5, 600),
}


def _limit(scope: str) -> tuple[int, int]:
    return getattr(settings, "VERIFICATION_RATE_LIMITS", {}).get(scope, DEFAULT_LIMITS[scope])


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def over_limit(request, scope: str) -> int:
    """Count this request; return the seconds to wait if the client is over its limit, else 0."""
    allowed, period = _limit(scope)
    window = int(time.time() // period)
    key = f"ratelimit:{scope}:{client_address(request)}:{window}"
    cache.add(key, 0, timeout=period + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=period + 1)
        count = 1
    if count <= allowed:
        return 0
    return max(1, (window + 1) * period - int(time.time()))


def rate_limited(scope: str, *, methods=("GET", "POST")):
    """Answer 429 (with Retry-After and a page saying so) past the scope's limit."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods:
                wait = over_limit(request, scope)
                if wait:
                    response = render(
                        request,
                        "verification/too_many_requests.html",
                        {"minutes": max(1, (wait + 59) // 60)},
                        status=429,
                    )
                    response["Retry-After"] = str(wait)
                    return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
