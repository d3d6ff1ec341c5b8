"""Request limits per client (per user for some scopes), counted by django-ratelimit in the
shared cache (settings.CACHES: Redis, else a database table), so every web process and every
visitor behind the same trusted proxy is counted once (core/clients.py)."""

import logging
from functools import wraps

from django.conf import settings
from django.shortcuts import render
from django_ratelimit.core import get_usage

log = logging.getLogger(__name__)

# Used when settings.RATE_LIMITS leaves a scope out: (requests, seconds).
DEFAULT_LIMITS = {
    "verify": (120, 60),
    "lookup": (10, 600),
    "portal": (5, 600),
    "password": (10, 600),
    "api": (600, 60),
}


def _rate(scope: str) -> tuple[int, int]:
    return getattr(settings, "RATE_LIMITS", {}).get(scope, DEFAULT_LIMITS[scope])


def _user_key(group, request) -> str:
    return str(request.user.pk)


def over_limit(request, scope: str, *, per_user: bool = False) -> int:
    """Count this request; the seconds to wait when the client is over the scope's limit,
    else 0. A cache that cannot be reached counts nothing (logged): pages stay up."""
    try:
        usage = get_usage(
            request,
            group=f"testamur.{scope}",
            key=_user_key if per_user else "ip",
            rate=_rate(scope),
            increment=True,
        )
    except Exception:  # Redis down, cache table missing: never a 500 for a count
        log.exception("Rate limit %s not counted: the cache is not answering", scope)
        return 0
    if usage is None or not usage["should_limit"]:
        return 0
    return max(1, usage["time_left"])


def too_many_requests(request, wait: int, template: str = "core/too_many_requests.html"):
    response = render(request, template, {"minutes": max(1, (wait + 59) // 60)}, status=429)
    response["Retry-After"] = str(wait)
    return response


def rate_limited(scope: str, *, methods=("GET", "HEAD", "POST"), per_user: bool = False):
    """Answer 429 (with Retry-After and a page saying so) past the scope's limit."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods:
                wait = over_limit(request, scope, per_user=per_user)
                if wait:
                    return too_many_requests(request, wait)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
