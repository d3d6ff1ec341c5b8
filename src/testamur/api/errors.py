"""One error shape for every API failure: {"detail": "...", "errors": [{"loc", "msg", "type"}]}.

The services raise Django's exceptions (ValidationError, PermissionDenied) and their own
(StaleCredential, IllegalTransition); each maps to one status code here.
"""

import logging

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse, JsonResponse
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as RequestValidationError

from testamur.credentials.services import StaleCredential
from testamur.credentials.states import IllegalTransition

logger = logging.getLogger(__name__)

UNAUTHORIZED = (
    "Send a valid API token: 'Authorization: Bearer <token>'. Create one under API tokens."
)
FORBIDDEN = "Your role does not allow this."
NOT_FOUND = "Not found."
REQUEST_INVALID = "The request is not valid: see errors."
BODY_NOT_JSON = "The request body is not valid JSON."
BODY_TOO_LARGE = "The request body is too large (at most {limit} bytes)."
SERVER_ERROR = "Something went wrong on the server. It has been logged; please try again later."
TOO_MANY_REQUESTS = "Too many requests from your address: wait (see Retry-After) and try again."


class ErrorItem(Schema):
    loc: list[str | int]
    msg: str
    type: str


class ErrorOut(Schema):
    detail: str
    errors: list[ErrorItem]


def error_response(status: int, detail: str, errors: list[dict] | None = None) -> HttpResponse:
    return JsonResponse({"detail": detail, "errors": errors or []}, status=status)


def _location(loc) -> list:
    """["body", "payload", "usi"] → ["body", "usi"]: the parameter name means nothing outside."""
    parts = [part if isinstance(part, int) else str(part) for part in loc]
    if parts[:2] == ["body", "payload"]:
        del parts[1]
    return parts


def _request_invalid(request, exc: RequestValidationError):
    errors = [
        {
            "loc": _location(e.get("loc", ())),
            "msg": str(e.get("msg", "")),
            "type": str(e.get("type", "invalid")),
        }
        for e in exc.errors
    ]
    return error_response(422, REQUEST_INVALID, errors)


def _rule_broken(request, exc: DjangoValidationError, status: int = 422):
    # A GET's input is its query string; anything else sends a JSON body.
    source = "query" if request.method == "GET" else "body"
    errors = []
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            loc = [] if field == "__all__" else [source, field]
            errors.extend({"loc": loc, "msg": m, "type": "rule"} for m in messages)
    else:
        errors = [{"loc": [], "msg": m, "type": "rule"} for m in exc.messages]
    return error_response(status, " ".join(exc.messages), errors)


class TooManyRequests(Exception):
    """Past the API's request limit (settings.RATE_LIMITS["api"])."""

    def __init__(self, wait: int):
        super().__init__(TOO_MANY_REQUESTS)
        self.wait = wait


def _too_many(request, exc: TooManyRequests):
    response = error_response(429, TOO_MANY_REQUESTS)
    response["Retry-After"] = str(exc.wait)
    return response


def _unauthorized(request, exc):
    response = error_response(401, UNAUTHORIZED)
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def _http_error(request, exc: HttpError):
    # The only HttpError django-ninja raises itself is 400 for a body it cannot parse.
    detail = BODY_NOT_JSON if exc.status_code == 400 else str(exc)
    return error_response(exc.status_code, detail)


def _not_found(request, exc):
    message = str(exc) if isinstance(exc, Http404) and exc.args else NOT_FOUND
    return error_response(404, message)


def _too_large(request, exc):
    from django.conf import settings

    return error_response(413, BODY_TOO_LARGE.format(limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE))


def _server_error(request, exc):
    logger.exception("API error on %s %s", request.method, request.path, exc_info=exc)
    return error_response(500, SERVER_ERROR)


def errors_install(api) -> None:
    handlers = {
        Exception: _server_error,
        RequestValidationError: _request_invalid,
        DjangoValidationError: _rule_broken,
        StaleCredential: lambda request, exc: _rule_broken(request, exc, status=409),
        IllegalTransition: lambda request, exc: error_response(409, str(exc)),
        AuthenticationError: _unauthorized,
        HttpError: _http_error,
        PermissionDenied: lambda request, exc: error_response(403, FORBIDDEN),
        Http404: _not_found,
        ObjectDoesNotExist: _not_found,
        RequestDataTooBig: _too_large,
        TooManyRequests: _too_many,
    }
    for exc_class, handler in handlers.items():
        api.add_exception_handler(exc_class, handler)
