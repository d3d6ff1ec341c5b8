"""What the credential pages share: selections, revisions, the credential table, files."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

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

# Bulk bar choices: action name → (label, permission needed).
BULK_ACTIONS = {
    "preview": ("Merge documents", PERM_REQUEST),
    "regenerate": ("Regenerate", PERM_REQUEST),
    "issue": ("Issue", PERM_ISSUE),
    "cancel": ("Cancel", PERM_CANCEL),
    "delete": ("Delete", PERM_DELETE),
    "email": ("Email to learners", PERM_EMAIL),
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
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    summary(request, outcome)
    return redirect("credentials:run_detail", pk=run.pk)


def credential_or_404(pk: int) -> Credential:
    return get_object_or_404(selectors.credentials_base(), pk=pk)
