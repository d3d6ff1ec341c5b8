"""Bearer-token authentication. Session cookies are never accepted by the API.

Every API view is exempt from Django's CSRF check (django-ninja does that), which is only safe
because the API ignores cookies entirely: a browser cannot be tricked into sending a bearer
token the way it sends a session cookie.
"""

from django.core.exceptions import PermissionDenied
from ninja.security import HttpBearer

from testamur.api.errors import TooManyRequests
from testamur.api.services import api_token_authenticate
from testamur.core.ratelimit import over_limit

_UNSET = object()


def token_user(request):
    """The active user the request's bearer token belongs to, or None. Looked up once."""
    cached = getattr(request, "_api_token_user", _UNSET)
    if cached is not _UNSET:
        return cached
    user = None
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() == "bearer" and raw.strip():
        user = api_token_authenticate(raw.strip())
    request._api_token_user = user
    if user is not None:
        # Whatever reads request.user below acts as the token's owner, never a session's.
        request.user = user
    return user


class TokenAuth(HttpBearer):
    """Reads the header through token_user, so the Idempotency-Key wrapper shares the lookup."""

    openapi_description = "A personal API token, created under API tokens in Testamur."

    def __call__(self, request):
        wait = over_limit(request, "api")
        if wait:
            raise TooManyRequests(wait)
        return token_user(request)

    def authenticate(self, request, token):
        return token_user(request)


def require_perms(request, *perms: str) -> None:
    """The same permission names the pages use (accounts/roles.py grants them to roles)."""
    if not request.auth.has_perms(perms):
        raise PermissionDenied
