"""W3C VC-API `POST /credentials/issue`, for staff API tokens only (decision 0021).

It never signs JSON it is given: the request names one of the register's credentials
(`credential.id` = "urn:testamur:credential:<id>"), which is issued through an issue run —
the same gates, numbering, issuance record and lifecycle as the Issue button. The run is queued
(documents are never rendered inside a request): 202 with the run's address; asked again once
it is issued, 200 with the Open Badges credential made from its issuance record.
"""

import json
import re
from datetime import date

from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.http import JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from testamur.api.auth import token_user
from testamur.core.ratelimit import over_limit
from testamur.credentials import selectors
from testamur.credentials.issue_options import IssueOptions
from testamur.credentials.models import CredentialStatus, RunKind
from testamur.credentials.runs import run_start
from testamur.verification import storage

app_name = "vc-api"

MAX_BYTES = 64 * 1024
CREDENTIAL_REF = re.compile(r"^urn:testamur:credential:(\d{1,18})$")
ALLOWED_KEYS = {"@context", "id", "type"}

UNAUTHORIZED = "Send a staff API token: Authorization: Bearer <token>."
FORBIDDEN = "Only Admins and Owners issue credentials."
MALFORMED = (
    'The request must be JSON: {"credential": {"id": "urn:testamur:credential:<id>"}, '
    '"options": {"issuedDate": "YYYY-MM-DD"}}.'
)
ARBITRARY_REFUSED = (
    "Testamur does not sign credentials it is given. Name a credential of the register "
    '("credential": {"id": "urn:testamur:credential:<id>"}); it is issued through an issue '
    "run from what the register holds."
)
NOT_FOUND = "No credential {ref} in the register."
BAD_DATE = "options.issuedDate must be a date (YYYY-MM-DD)."
CANCELLED = "This credential was cancelled: it cannot be issued again (re-issue it instead)."
TOO_LARGE = "The request is larger than 64 KB."
RATE_LIMITED = "Too many requests: try again in {wait} seconds."


def _error(status: int, *errors: str) -> JsonResponse:
    return JsonResponse({"errors": list(errors)}, status=status)


def _request(request) -> tuple[int, dict] | JsonResponse:
    """(credential id, options) from a well-formed request, or the error response."""
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BYTES:
        return _error(413, TOO_LARGE)
    try:
        body = json.loads(request.body.decode("utf-8"))
    except (RequestDataTooBig, UnicodeDecodeError, ValueError, RecursionError):
        return _error(400, MALFORMED)
    credential = body.get("credential") if isinstance(body, dict) else None
    options = body.get("options", {}) if isinstance(body, dict) else None
    if not isinstance(credential, dict) or not isinstance(options, dict):
        return _error(400, MALFORMED)
    if set(credential) - ALLOWED_KEYS:
        return _error(422, ARBITRARY_REFUSED)
    match = CREDENTIAL_REF.match(str(credential.get("id", "")))
    if not match:
        return _error(422, ARBITRARY_REFUSED)
    return int(match.group(1)), options


def _issued_on(options: dict) -> date | None:
    value = options.get("issuedDate")
    if value is None:
        return timezone.localdate()
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


@csrf_exempt  # bearer tokens only: a browser cannot be made to send one (see api/auth.py)
@require_POST
def credentials_issue(request):
    wait = over_limit(request, "api")
    if wait:
        return _error(429, RATE_LIMITED.format(wait=wait))
    actor = token_user(request)
    if actor is None:
        return _error(401, UNAUTHORIZED)
    parsed = _request(request)
    if isinstance(parsed, JsonResponse):
        return parsed
    pk, options = parsed
    issued_on = _issued_on(options)
    if issued_on is None:
        return _error(422, BAD_DATE)
    found = selectors.credentials_selected([pk])
    if not found:
        return _error(404, NOT_FOUND.format(ref=f"urn:testamur:credential:{pk}"))
    credential = found[0]
    if credential.status == CredentialStatus.CANCELLED:
        return _error(409, CANCELLED)
    if credential.status != CredentialStatus.ISSUED:
        try:
            run, _ = run_start(
                actor=actor,
                kind=RunKind.ISSUE,
                credentials=[credential],
                options=IssueOptions(issued_on=issued_on),
            )
        except PermissionDenied:
            return _error(403, FORBIDDEN)
        except ValidationError as exc:
            return _error(422, *exc.messages)
        credential.refresh_from_db()
        document = storage.signed_vc(credential)
        if document is None:
            # The run goes on in the background: the credential is issued when it finishes.
            return JsonResponse(
                {
                    "run": run.pk,
                    "status": "queued",
                    "location": f"/api/v1/runs/{run.pk}",
                },
                status=202,
            )
        return JsonResponse({"verifiableCredential": document}, status=201)
    if not actor.has_perm("credentials.issue_credential"):
        return _error(403, FORBIDDEN)
    document = storage.signed_vc(credential)
    if document is None:
        return JsonResponse({"status": "preparing"}, status=202)
    return JsonResponse({"verifiableCredential": document}, status=200)


urlpatterns = [path("issue", credentials_issue, name="credentials_issue")]
