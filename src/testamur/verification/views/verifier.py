"""The public verifier: the /verify/ page (paste or drop) and the VC-API verify endpoint.

Both take any bytes and answer with what checking.py found: never a 500, never a fetch.
"""

import json

from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from testamur.core.permissions import public
from testamur.core.ratelimit import over_limit, rate_limited
from testamur.verification import checking

NOTHING_GIVEN = "Paste a credential's JSON, or choose (or drop) a credential file."
VC_API_MALFORMED = (
    'The request must be JSON: {"verifiableCredential": {…}, "options": {…}} (W3C VC-API).'
)
VC_API_NO_CREDENTIAL = "The request has no verifiableCredential object."
RATE_LIMITED = "Too many verification requests from this address: try again in {wait} seconds."


def _submitted(request) -> bytes | checking.CheckResult:
    """The bytes the visitor gave (the file first, else the pasted text), or a result saying
    why there are none."""
    try:
        upload = request.FILES.get("file")
        pasted = request.POST.get("credential", "")
    except RequestDataTooBig:
        limit = f"{checking.MAX_UPLOAD_BYTES // 1024**2} MB"
        return checking.CheckResult().refuse(checking.TOO_LARGE.format(limit=limit))
    if upload is not None:
        if upload.size > checking.MAX_UPLOAD_BYTES:
            limit = f"{checking.MAX_UPLOAD_BYTES // 1024**2} MB"
            return checking.CheckResult().refuse(checking.TOO_LARGE.format(limit=limit))
        return upload.read(checking.MAX_UPLOAD_BYTES + 1)
    if pasted.strip():
        return pasted.encode("utf-8")
    return checking.CheckResult().refuse(NOTHING_GIVEN)


@public
@require_http_methods(["GET", "POST"])
@rate_limited("verify", methods=("POST",))
def verifier_page(request):
    result = None
    if request.method == "POST":
        given = _submitted(request)
        result = given if isinstance(given, checking.CheckResult) else checking.upload_check(given)
    return render(request, "verification/verifier.html", {"result": result})


def _json(body: dict, status: int = 200) -> JsonResponse:
    response = JsonResponse(body, status=status)
    response["Access-Control-Allow-Origin"] = "*"
    return response


@public
@csrf_exempt  # reads no cookie and changes nothing: any site's verifier may call it
@require_POST
def credentials_verify(request):
    """W3C VC-API `POST /credentials/verify`: {"verifiableCredential": …} → the result."""
    wait = over_limit(request, "verify")
    if wait:
        response = _json({"errors": [RATE_LIMITED.format(wait=wait)]}, status=429)
        response["Retry-After"] = str(wait)
        return response
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > checking.MAX_JSON_BYTES:
        limit = f"{checking.MAX_JSON_BYTES // 1024} KB"
        return _json({"errors": [checking.TOO_LARGE.format(limit=limit)]}, status=413)
    try:
        body = json.loads(request.body.decode("utf-8"))
    except (RequestDataTooBig, UnicodeDecodeError, ValueError, RecursionError):
        return _json({"errors": [VC_API_MALFORMED]}, status=400)
    if not isinstance(body, dict):
        return _json({"errors": [VC_API_MALFORMED]}, status=400)
    credential = body.get("verifiableCredential")
    if not isinstance(credential, dict):
        return _json({"errors": [VC_API_NO_CREDENTIAL]}, status=400)
    try:
        result = checking.credential_check(credential)
    except RecursionError:
        return _json({"errors": [checking.NOT_AN_OBJECT]}, status=400)
    return _json(result.vc_api())
