"""What the credential pages share: selections, revisions, the credential table, files."""

import hashlib
import io
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme

from testamur.core.downloads import FILE_MISSING, private
from testamur.core.paging import cursor_parse, keyset_page
from testamur.credentials import selectors
from testamur.credentials.emailing import PERM_EMAIL
from testamur.credentials.models import Credential
from testamur.credentials.runs import run_start
from testamur.credentials.services import (
    PERM_CANCEL,
    PERM_DELETE,
    PERM_ISSUE,
    PERM_REQUEST,
    BulkOutcome,
)
from testamur.training import selectors as training_selectors
from testamur.training.forms import posted_ids

VIEW = "credentials.view_credential"
VIEW_RUNS = "credentials.view_generationrun"

NONE_SELECTED = "Select at least one credential first."
NO_CREDENTIALS = "No credentials have been requested yet."
DOCUMENT_NOT_AS_ISSUED = (
    "The stored document of {number} does not match the fingerprint recorded when it was "
    "issued, so it is not served. Restore it from a backup: manage.py verify_register lists "
    "every such document."
)


class DocumentNotAsIssued(Exception):
    """The stored signed document is not the one issued (its SHA-256 differs from the record)."""


# Bulk bar choices: action name → (label, permission needed).
BULK_ACTIONS = {
    "preview": ("Merge documents", PERM_REQUEST),
    "regenerate": ("Regenerate", PERM_REQUEST),
    "issue": ("Issue", PERM_ISSUE),
    "cancel": ("Cancel", PERM_CANCEL),
    "delete": ("Delete", PERM_DELETE),
    "email": ("Email to learners", PERM_EMAIL),
    # The learners of the ticked credentials whose USI holds them up.
    "verify_usi": ("Verify USIs with the registry", "learners.change_learner"),
}


def next_url(request, default: str) -> str:
    """Where to go back to: a same-site `next` from the form or link, else `default`."""
    value = request.POST.get("next") or request.GET.get("next") or ""
    # Only a path of this site: `redirect()` would take anything else for a URL name.
    safe = value.startswith("/") and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return value if safe else default


def selection(values: list[str]) -> tuple[list[Credential], int]:
    """The selected credentials that exist, and how many selected values did not match one."""
    raw = {value for value in values if value}
    found = selectors.credentials_selected(posted_ids(list(raw)))
    return found, len(raw) - len(found)


def revisions_posted(data, credentials) -> dict[int, int]:
    """The revision each credential had when the page was rendered (hidden `revision-<id>`)."""
    revisions = {}
    for credential in credentials:
        value = data.get(f"revision-{credential.pk}", "")
        if value.isdigit() and len(value) < 10:
            revisions[credential.pk] = int(value)
    return revisions


def revision_posted(data) -> int | None:
    value = data.get("revision", "")
    return int(value) if value.isdigit() and len(value) < 10 else None


def with_ids(url: str, credentials, **extra) -> str:
    pairs = [("credential", c.pk) for c in credentials]
    pairs += [(key, value) for key, value in extra.items() if value]
    return f"{url}?{urlencode(pairs)}"


def summary(request, outcome: BulkOutcome) -> None:
    level = messages.warning if outcome.skipped else messages.success
    level(request, outcome.summary())


RUN_STARTED = "{count} {verb}."
RUN_STARTED_SKIPPED = "{count} {verb}, {skipped} skipped: "
SEE_SKIPPED = "see why on the run page"


def run_started(request, run, outcome: BulkOutcome) -> None:
    """A short summary of a run just started; skipped credentials are listed on its page."""
    if not outcome.skipped:
        messages.success(request, RUN_STARTED.format(count=len(outcome.done), verb=outcome.verb))
        return
    lead = RUN_STARTED_SKIPPED.format(
        count=len(outcome.done), verb=outcome.verb, skipped=len(outcome.skipped)
    )
    url = reverse("credentials:run_detail", args=[run.pk]) + "#skipped"
    messages.warning(request, format_html('{}<a href="{}">{}</a>.', lead, url, SEE_SKIPPED))


def register_url() -> str:
    return reverse("credentials:register")


def credential_table(
    request, credentials, *, empty: str, register_query=None, keyset: bool = False
) -> dict:
    """The context of the credential table (register, learner, enrolment and offer pages).

    `keyset`: page by cursor in register order (the register itself, which may hold millions).
    """
    if keyset:
        page_obj = keyset_page(
            credentials,
            keys=selectors.REGISTER_ORDER,
            after=cursor_parse(request.GET.get("after")),
            before=cursor_parse(request.GET.get("before")),
        )
    else:
        page_obj = training_selectors.paginate(credentials, request.GET.get("page"))
    user = request.user
    register = register_url()
    return {
        "page_obj": page_obj,
        "rows": selectors.credential_rows(page_obj.object_list, user),
        "selected": set(posted_ids(request.GET.getlist("select"))),
        "bulk_actions": [
            (name, label) for name, (label, perm) in BULK_ACTIONS.items() if user.has_perm(perm)
        ],
        "next_url": request.get_full_path(),
        "empty_message": empty,
        "register_url": f"{register}?{urlencode(register_query)}" if register_query else "",
        "keyset": keyset,
    }


def start_run(request, kind, credentials, revisions, back: str):
    try:
        run, outcome = run_start(
            actor=request.user, kind=kind, credentials=credentials, revisions=revisions
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(back)
    run_started(request, run, outcome)
    return redirect("credentials:run_detail", pk=run.pk)


def credential_or_404(pk: int) -> Credential:
    return get_object_or_404(selectors.credentials_base(), pk=pk)


def issued_document_response(credential: Credential, *, attachment: bool) -> FileResponse:
    """The issued, signed document exactly as it was issued: its bytes are checked against the
    SHA-256 in the issuance record before they are served (Reprint, API, learner portal)."""
    record = credential.issued_record
    if record is None or not credential.document:
        raise Http404(FILE_MISSING)
    try:
        with credential.document.open("rb") as handle:
            data = handle.read()
    except OSError as error:
        raise Http404(FILE_MISSING) from error
    if hashlib.sha256(data).hexdigest() != record.document_sha256:
        raise DocumentNotAsIssued(DOCUMENT_NOT_AS_ISSUED.format(number=record.number))
    response = FileResponse(
        io.BytesIO(data),
        content_type="application/pdf",
        as_attachment=attachment,
        filename=f"{record.number}.pdf",
    )
    return private(response)
