"""The credential register and its bulk bar."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from testamur.core.permissions import require_permission
from testamur.credentials import selectors
from testamur.credentials.emailing import credential_email_queue
from testamur.credentials.forms import RegisterFilterForm
from testamur.credentials.models import RunKind
from testamur.credentials.runs import credential_label
from testamur.credentials.services import NOT_FOUND, BulkOutcome, credential_delete
from testamur.credentials.views.common import (
    BULK_ACTIONS,
    NO_CREDENTIALS,
    NONE_SELECTED,
    VIEW,
    credential_table,
    next_url,
    register_url,
    revisions_posted,
    selection,
    start_run,
    summary,
    with_ids,
)
from testamur.learners.usi_registry.services import usi_job_prepare

NO_ACTION = "Choose what to do with the selected credentials."
USI_ALL_CLEARED = "Every selected credential's learner already has a verified USI or an exemption."
USI_SOURCE = "Credential register: learners of {count} selected credentials"
NO_MATCHES = "No credentials match these filters."


def _verify_usis(request, credentials, back: str):
    """A bulk verification with the registry of the learners whose USI gate blocks these."""
    learner_ids = [c.learner_id for c in credentials if not c.learner.usi_cleared_for_issue]
    if not learner_ids:
        messages.info(request, USI_ALL_CLEARED)
        return redirect(back)
    try:
        job = usi_job_prepare(
            actor=request.user,
            learner_ids=learner_ids,
            source=USI_SOURCE.format(count=len(credentials)),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    return redirect("learners:usi_job", pk=job.pk)


@require_permission(VIEW)
def register(request):
    form = RegisterFilterForm(request.GET or None)
    filters = form.register_filter()
    filtered = filters.narrowed()
    context = credential_table(
        request,
        selectors.credential_list(filters),
        empty=NO_MATCHES if filtered else NO_CREDENTIALS,
        keyset=True,
    )
    return render(
        request, "credentials/register.html", {"form": form, "filtered": filtered, **context}
    )


@require_permission(VIEW)
@require_POST
def bulk(request):
    """One bulk-bar action on the ticked credentials of a register-style table."""
    back = next_url(request, register_url())
    name = request.POST.get("action", "")
    if name not in BULK_ACTIONS:
        messages.error(request, NO_ACTION)
        return redirect(back)
    if not request.user.has_perm(BULK_ACTIONS[name][1]):
        raise PermissionDenied
    credentials, missing = selection(request.POST.getlist("credential"))
    if missing:
        messages.warning(request, NOT_FOUND.format(count=missing))
    if not credentials:
        messages.error(request, NONE_SELECTED)
        return redirect(back)
    revisions = revisions_posted(request.POST, credentials)
    if name == "preview":
        return start_run(request, RunKind.PREVIEW, credentials, revisions, back)
    if name == "regenerate":
        return start_run(request, RunKind.REGENERATE, credentials, revisions, back)
    if name == "issue":
        return redirect(with_ids(reverse("credentials:issue"), credentials, next=back))
    if name == "cancel":
        return redirect(with_ids(reverse("credentials:cancel_bulk"), credentials, next=back))
    if name == "verify_usi":
        return _verify_usis(request, credentials, back)
    if name == "email":
        summary(request, credential_email_queue(actor=request.user, credentials=credentials))
        return redirect(back)
    outcome = BulkOutcome(verb="deleted")
    for credential in credentials:
        try:
            credential_delete(
                actor=request.user, credential=credential, revision=revisions.get(credential.pk)
            )
        except ValidationError as error:
            outcome.skipped.append((credential_label(credential), " ".join(error.messages)))
        else:
            outcome.done.append(credential)
    summary(request, outcome)
    return redirect(back)
