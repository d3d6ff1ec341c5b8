"""The public verification pages and the JSON a verifier fetches. No sign-in needed."""

import hashlib
from datetime import datetime

from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, quote_etag
from django.views.decorators.http import require_http_methods, require_safe

from testamur.core.permissions import public
from testamur.core.ratelimit import rate_limited
from testamur.credentials.models import CredentialStatus
from testamur.verification import page_cache, selectors, sharing, storage
from testamur.verification.forms import VerifyByNumberForm
from testamur.verification.models import StatusPurpose

NOT_FOUND_JSON = {"error": "No credential can be verified at this address."}


def _not_found(request):
    """One answer for every miss: unknown code, malformed code, wrong number or wrong name."""
    return render(
        request, "verification/not_found.html", {"form": VerifyByNumberForm()}, status=404
    )


def _status(credential) -> tuple[str, object]:
    if credential.status == CredentialStatus.ISSUED:
        return "valid", None
    replacement = selectors.replacement_of(credential)
    return ("replaced", replacement) if replacement else ("cancelled", None)


@public
@require_http_methods(["GET", "POST"])
@rate_limited("lookup", methods=("POST",))
def verify_lookup(request):
    """Verify by credential number and the learner's family name."""
    form = VerifyByNumberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        credential = selectors.credential_by_number(
            form.cleaned_data["number"], form.cleaned_data["family_name"]
        )
        if credential is None:
            return _not_found(request)
        return redirect("verification:verify", code=credential.issuance.verification_code)
    return render(request, "verification/lookup.html", {"form": form})


# Anyone may keep the page a minute (browsers, proxies, a CDN): it shows only what was issued
# and its status. A cancel shows everywhere within that minute; a conditional request after
# it gets the new page, as the ETag follows the status, the replacement and the badge.
PUBLIC_CACHE_SECONDS = 60
# Part of the ETag: a release that changes the page changes every ETag.
PAGE_VERSION = "1"


def _page_tag(*, pk, status: str, replacement_pk, changed: list) -> tuple[str, datetime]:
    """The page's ETag and its last change, from what the page depends on."""
    last_modified = max(moment for moment in changed if moment is not None)
    state = f"{PAGE_VERSION}:{pk}:{status}:{replacement_pk}:"
    state += ":".join(moment.isoformat() if moment else "-" for moment in changed)
    return quote_etag(hashlib.sha256(state.encode()).hexdigest()[:32]), last_modified


def _tag_from_state(state: dict) -> tuple[str, datetime]:
    issued = state["status"] == CredentialStatus.ISSUED
    replacement_pk = None if issued else state["replacement_pk"]
    status = "valid" if issued else ("replaced" if replacement_pk else "cancelled")
    ready_at = (state["vc_signed_at"] or state["vc_created_at"]) if issued else None
    replaced_at = state["replacement_updated_at"] if replacement_pk else None
    return _page_tag(
        pk=state["pk"],
        status=status,
        replacement_pk=replacement_pk,
        changed=[state["updated_at"], replaced_at, ready_at],
    )


def _page_made(request, code: str) -> tuple[str, bytes] | None:
    """The page made now, from the issuance record, with its ETag; None if it is not there."""
    credential = selectors.credential_by_code(code)
    if credential is None:
        return None
    record = credential.issuance
    status, replacement = _status(credential)
    ready_at = storage.signed_vc_made_at(credential) if status == "valid" else None
    etag, _ = _page_tag(
        pk=credential.pk,
        status=status,
        replacement_pk=replacement and replacement.pk,
        changed=[credential.updated_at, replacement.updated_at if replacement else None, ready_at],
    )
    cancelled_on = timezone.localdate(credential.cancelled_at) if credential.cancelled_at else None
    facts = selectors.credential_facts(record)
    context = {
        "credential": credential,
        # What the document says, from its issuance record alone (DESIGN.md rule 9).
        "facts": facts,
        "status": status,
        "replacement": replacement,
        "cancelled_on": cancelled_on,
        "issued_on": record.issued_on,
        "verification_code": record.verification_code,
        "digital_credential_ready": ready_at is not None,
    }
    if status == "valid":
        context["share"] = sharing.share_links(facts, code=record.verification_code)
    return etag, render(request, "verification/verify.html", context).content


@public
@require_safe
@rate_limited("verify")
def verify(request, code: str):
    kept = page_cache.page_kept(code)
    if kept:
        etag, last_modified, page = kept
    else:
        state = selectors.page_state(code)
        if state is None:
            return _not_found(request)
        etag, changed_at = _tag_from_state(state)
        last_modified, page = changed_at.timestamp(), None
    response = get_conditional_response(request, etag=etag, last_modified=int(last_modified))
    if response is None:
        if page is None:
            made = _page_made(request, code)
            if made is None:
                return _not_found(request)
            made_etag, page = made
            # Kept only when nothing changed between the state read and the page made.
            if made_etag == etag:
                page_cache.page_keep(code, etag=etag, last_modified=last_modified, page=page)
        response = HttpResponse(page)
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    patch_cache_control(response, public=True, max_age=PUBLIC_CACHE_SECONDS)
    return response


@public
@require_safe
@rate_limited("verify")
def verify_vc(request, code: str):
    """The signed Open Badges 3.0 credential of a valid credential, as a JSON download."""
    credential = selectors.credential_by_code(code)
    document = storage.signed_vc(credential) if credential else None
    if document is None:
        response = JsonResponse(NOT_FOUND_JSON, status=404)
        response["Access-Control-Allow-Origin"] = "*"
        return response
    return storage.json_response(document, filename=storage.vc_filename(credential))


@public
@require_safe
def issuer(request):
    return storage.json_response(storage.issuer_document(), media_type=storage.JSON_LD_MEDIA_TYPE)


@public
@require_safe
def did_document(request):
    """The did:web document (at /.well-known/did.json, or /did.json under a path prefix)."""
    return storage.json_response(storage.did_document(), media_type=storage.DID_MEDIA_TYPE)


@public
@require_safe
def status_list(request, purpose: str, number: int):
    document = None
    if purpose in StatusPurpose.values:
        document = storage.status_list_document(purpose, number)
    if document is None:
        response = JsonResponse({"error": "No such status list."}, status=404)
        response["Access-Control-Allow-Origin"] = "*"
        return response
    return storage.json_response(document)
