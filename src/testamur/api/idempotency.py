"""Idempotency-Key: a retried POST gets the first response instead of doing the work again.

The key is claimed in the same transaction as the work and the response is stored with it, so
the claim exists exactly when the work was committed. A concurrent retry waits on the unique
constraint until the first request ends, then receives its response. Only successful responses
are kept: after an error nothing changed, and the same key may be used again.
"""

import hashlib
import json
import re
from functools import wraps

from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import HttpResponse

from testamur.api.auth import token_user
from testamur.api.errors import error_response
from testamur.api.services import idempotency_key_claim, idempotency_key_complete

HEADER = "Idempotency-Key"
KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"
KEY_INVALID = "The Idempotency-Key header must be 1 to 255 visible ASCII characters."
KEY_REUSED = (
    "This Idempotency-Key was already used for a different request to this endpoint. "
    "Use a new key for a new request."
)
REPLAYED_HEADER = "Idempotent-Replayed"

IDEMPOTENCY_DOC = {
    "parameters": [
        {
            "name": HEADER,
            "in": "header",
            "required": False,
            "description": (
                "Any unique value (a UUID, say). A retry with the same key within 24 hours "
                "returns the first response and does not repeat the work."
            ),
            "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": KEY_PATTERN},
        }
    ]
}

_key_re = re.compile(KEY_PATTERN)


def _fingerprint(body: bytes) -> str:
    """The same JSON however it is spaced or ordered gives the same fingerprint."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = body
    return hashlib.sha256(canonical).hexdigest()


def idempotent(run):
    """Wrap a django-ninja operation (via decorate_view) that accepts an Idempotency-Key."""

    @wraps(run)
    def wrapper(request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return run(request, *args, **kwargs)
        if not _key_re.match(key):
            return error_response(
                422, KEY_INVALID, [{"loc": ["header", HEADER], "msg": KEY_INVALID, "type": "value"}]
            )
        user = token_user(request)
        if user is None:
            return run(request, *args, **kwargs)  # answers 401
        try:
            fingerprint = _fingerprint(request.body)
        except RequestDataTooBig:
            return run(request, *args, **kwargs)  # answers 413
        endpoint = f"{request.method} {request.path}"[:255]
        with transaction.atomic():
            claim = idempotency_key_claim(
                user=user, key=key, endpoint=endpoint, fingerprint=fingerprint
            )
            if claim.stored is not None:
                return _replay(claim.stored, fingerprint)
            response = run(request, *args, **kwargs)
            if 200 <= response.status_code < 300:
                idempotency_key_complete(
                    record=claim.claimed,
                    status_code=response.status_code,
                    content_type=response.get("Content-Type", "application/json"),
                    body=response.content.decode("utf-8"),
                )
            else:
                # Whatever the failed request did is undone, and the key is free again.
                transaction.set_rollback(True)
        return response

    return wrapper


def _replay(stored, fingerprint: str) -> HttpResponse:
    if stored.fingerprint != fingerprint:
        return error_response(
            422, KEY_REUSED, [{"loc": ["header", HEADER], "msg": KEY_REUSED, "type": "reused"}]
        )
    response = HttpResponse(
        stored.body, status=stored.status_code, content_type=stored.content_type
    )
    response[REPLAYED_HEADER] = "true"
    return response
