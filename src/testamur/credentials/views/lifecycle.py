"""Issue, cancel, re-issue, delete and (re)generate credentials."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from testamur.core.permissions import require_permission
from testamur.credentials import selectors
from testamur.credentials.forms import CancelForm, IssueForm, ReissueForm
from testamur.credentials.gates import evaluate_gates
from testamur.credentials.issue_options import is_qualification_testamur
from testamur.credentials.models import CredentialStatus, GenerationRun, RunKind
from testamur.credentials.runs import credential_label, run_start
from testamur.credentials.services import (
    ALREADY_REPLACED,
    NOT_FOUND,
    ONLY_ISSUED_REISSUABLE,
    ONLY_REQUESTED_DELETABLE,
    PERM_CANCEL,
    PERM_DELETE,
    PERM_ISSUE,
    PERM_REQUEST,
    credential_cancel,
    credential_cancel_bulk,
    credential_delete,
    credential_reissue,
)
from testamur.credentials.states import IllegalTransition, can
from testamur.credentials.views.common import (
    NONE_SELECTED,
    VIEW,
    credential_or_404,
    next_url,
    register_url,
    revision_posted,
    revisions_posted,
    run_started,
    selection,
    summary,
)
from testamur.training.forms import form_add_service_errors

LEFT_OUT = (
    "{count} of the {total} selected credentials are left out of this issue: the table below "
    "says why, with a link to put each right."
)
USI_WARNINGS_CONFIRM = (
    "Confirm: {count} of the credentials to issue are for learners whose USI is not verified "
    "(Settings allow it with a warning). Tick the box to issue them anyway."
)
NONE_ISSUABLE = "None of the selected credentials can be issued yet: see the reason on each."
FINAL_QUALIFICATION_NOT_OFFERED = (
    "Final qualification: not asked. Only a Testamur of a qualification completes one, and this "
    "selection holds other credentials, so they are issued without changing the course "
    "enrolments' qualification-issued flag."
)
CANCELLED_ONE = "Cancelled {label}. It stays in the register with your reason."
DELETED_ONE = "Deleted the requested {kind} for {name}."
REISSUED = (
    "Cancelled {old} and requested its replacement, which is being generated. Issue it when "
    "ready: it gets a new credential number."
)


@require_permission(VIEW, PERM_ISSUE)
def issue(request):
    """The issue wizard: the selection with its gates, the options, then an Issue run."""
    data = request.POST if request.method == "POST" else request.GET
    back = next_url(request, register_url())
    source_run = None
    run_id = data.get("run", "")
    if run_id.isdigit() and len(run_id) < 19:
        source_run = GenerationRun.objects.filter(pk=run_id).first()
    if source_run and not data.getlist("credential"):
        credentials, missing = selectors.run_credentials(source_run, done_only=True), 0
    else:
        credentials, missing = selection(data.getlist("credential"))
    if missing and request.method == "GET":
        messages.warning(request, NOT_FOUND.format(count=missing))
    if not credentials:
        messages.error(request, NONE_SELECTED)
        return redirect(back)
    offer_final = all(is_qualification_testamur(c) for c in credentials)
    gates = evaluate_gates(credentials)
    rows = [(credential, gates[credential.pk]) for credential in credentials]
    warned = sum(1 for _, gate in rows if gate.ok and gate.warnings)
    form = IssueForm(
        request.POST or None, offer_final_qualification=offer_final, usi_warnings=warned
    )
    if request.method == "POST" and form.is_valid():
        try:
            run, outcome = run_start(
                actor=request.user,
                kind=RunKind.ISSUE,
                credentials=credentials,
                options=form.issue_options(),
                revisions=revisions_posted(request.POST, credentials),
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            run_started(request, run, outcome)
            return redirect("credentials:run_detail", pk=run.pk)
    issuable = sum(1 for _, gate in rows if gate.ok)
    left_out = selectors.left_out_rows(rows)
    context = {
        "form": form,
        "rows": rows,
        "issuable": issuable,
        "left_out": left_out,
        "left_out_message": (
            LEFT_OUT.format(count=len(left_out), total=len(rows)) if left_out else ""
        ),
        "usi_warnings_message": USI_WARNINGS_CONFIRM.format(count=warned) if warned else "",
        "none_issuable_message": NONE_ISSUABLE,
        "source_run": source_run,
        "next_url": back,
        "offer_final_qualification": offer_final,
        "final_qualification_not_offered": FINAL_QUALIFICATION_NOT_OFFERED,
    }
    return render(request, "credentials/issue.html", context)


@require_permission(VIEW, PERM_CANCEL)
def cancel(request, pk: int):
    credential = credential_or_404(pk)
    detail = reverse("credentials:detail", args=[pk])
    back = next_url(request, detail)
    if request.method == "GET" and not can("cancel", credential.status):
        messages.error(request, str(IllegalTransition("cancel", credential.status)))
        return redirect(detail)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            credential_cancel(
                actor=request.user,
                credential=credential,
                reason=form.cleaned_data["reason"],
                revision=revision_posted(request.POST),
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        except IllegalTransition as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, CANCELLED_ONE.format(label=credential_label(credential)))
            return redirect(back)
        credential = credential_or_404(pk)
    context = {
        "form": form,
        "credentials": [credential],
        "credential": credential,
        "revision": request.POST.get("revision") or credential.revision,
        "next_url": back,
    }
    return render(request, "credentials/cancel.html", context)


@require_permission(VIEW, PERM_CANCEL)
def cancel_bulk(request):
    data = request.POST if request.method == "POST" else request.GET
    back = next_url(request, register_url())
    credentials, missing = selection(data.getlist("credential"))
    if missing and request.method == "GET":
        messages.warning(request, NOT_FOUND.format(count=missing))
    if not credentials:
        messages.error(request, NONE_SELECTED)
        return redirect(back)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = credential_cancel_bulk(
                actor=request.user,
                credentials=credentials,
                reason=form.cleaned_data["reason"],
                revisions=revisions_posted(request.POST, credentials),
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            summary(request, outcome)
            return redirect(back)
    context = {"form": form, "credentials": credentials, "bulk": True, "next_url": back}
    return render(request, "credentials/cancel.html", context)


@require_permission(VIEW, PERM_CANCEL, PERM_REQUEST)
def reissue(request, pk: int):
    """Cancel an issued credential and request its replacement (a new number when issued)."""
    credential = credential_or_404(pk)
    detail = reverse("credentials:detail", args=[pk])
    if request.method == "GET" and not credential.is_reissuable:
        replacement = credential.replacement
        messages.error(
            request,
            ALREADY_REPLACED.format(number=replacement)
            if replacement
            else ONLY_ISSUED_REISSUABLE.format(status=credential.get_status_display()),
        )
        return redirect(detail)
    cancelled = credential.status == CredentialStatus.CANCELLED
    initial = {"credential_date": timezone.localdate()}
    if request.GET.get("corrected"):
        differences = selectors.issuance_differences(credential)
        if differences:
            initial["reason"] = selectors.correction_reason(differences)
    form = ReissueForm(request.POST or None, already_cancelled=cancelled, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            replacement = credential_reissue(
                actor=request.user,
                credential=credential,
                reason=form.cleaned_data.get("reason", ""),
                credential_date=form.cleaned_data["credential_date"],
                revision=revision_posted(request.POST),
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        except IllegalTransition as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, REISSUED.format(old=credential_label(credential)))
            return redirect("credentials:detail", pk=replacement.pk)
        credential = credential_or_404(pk)
    context = {
        "form": form,
        "credential": credential,
        "revision": request.POST.get("revision") or credential.revision,
    }
    return render(request, "credentials/reissue.html", context)


@require_permission(VIEW, PERM_DELETE)
def delete(request, pk: int):
    """Delete a credential requested by mistake (only while Requested)."""
    credential = credential_or_404(pk)
    detail = reverse("credentials:detail", args=[pk])
    if request.method == "GET" and not credential.is_deletable:
        messages.error(
            request, ONLY_REQUESTED_DELETABLE.format(status=credential.get_status_display())
        )
        return redirect(detail)
    error_text = ""
    if request.method == "POST":
        try:
            credential_delete(
                actor=request.user, credential=credential, revision=revision_posted(request.POST)
            )
        except ValidationError as error:
            error_text = " ".join(error.messages)
            credential = credential_or_404(pk)
        else:
            messages.success(
                request,
                DELETED_ONE.format(
                    kind=credential.get_credential_type_display(),
                    name=credential.learner.full_name,
                ),
            )
            back = next_url(request, register_url())
            return redirect(register_url() if back.startswith(detail) else back)
    context = {
        "credential": credential,
        "error": error_text,
        "revision": request.POST.get("revision") or credential.revision,
        "next_url": next_url(request, ""),
    }
    return render(request, "credentials/delete.html", context)


@require_permission(VIEW, PERM_REQUEST)
@require_POST
def regenerate(request, pk: int):
    """Generate (or regenerate) one credential's draft in the background."""
    credential = credential_or_404(pk)
    back = next_url(request, reverse("credentials:detail", args=[pk]))
    kind = (
        RunKind.GENERATE if credential.status == CredentialStatus.REQUESTED else RunKind.REGENERATE
    )
    revision = revision_posted(request.POST)
    if revision is None:
        revision = revisions_posted(request.POST, [credential]).get(credential.pk)
    try:
        run, _ = run_start(
            actor=request.user,
            kind=kind,
            credentials=[credential],
            revisions={credential.pk: revision} if revision is not None else None,
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(back)
    return redirect("credentials:run_detail", pk=run.pk)
