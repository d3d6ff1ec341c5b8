"""One credential: its page, Preview, the generated draft and Reprint."""

import contextlib

from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import content_disposition_header

from testamur.core.downloads import stored_file_response
from testamur.core.permissions import require_permission
from testamur.credentials import documents, emailing, selectors
from testamur.credentials.models import Credential, CredentialStatus
from testamur.credentials.runs import credential_generate_now
from testamur.credentials.services import PERM_REQUEST
from testamur.credentials.views.common import (
    VIEW,
    DocumentNotAsIssued,
    credential_or_404,
    issued_document_response,
)

PREVIEW_FAILED = "The preview could not be made."
REPRINT_REFUSED = "The stored document is not the one issued."


@require_permission(VIEW)
def detail(request, pk: int):
    credential = credential_or_404(pk)
    try:
        replaced_by = credential.replaced_by
    except Credential.replaced_by.RelatedObjectDoesNotExist:
        replaced_by = None
    emails = selectors.credential_emails(credential)
    for email in emails:
        email.resendable = emailing.email_resendable(email)
    context = {
        "credential": credential,
        "row": selectors.credential_rows([credential], request.user)[0],
        "replaced_by": replaced_by,
        "history": selectors.credential_history(credential),
        "differences": selectors.issuance_differences(credential),
        "run_items": selectors.credential_run_items(credential),
        "emails": emails,
        "can_email": request.user.has_perm(emailing.PERM_EMAIL)
        and credential.status == CredentialStatus.ISSUED,
        "next_url": request.get_full_path(),
    }
    return render(request, "credentials/detail.html", context)


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename)
    response["Cache-Control"] = "no-store"
    return response


def _draft_response(credential: Credential):
    return stored_file_response(
        credential.draft,
        f"draft-{credential.pk}-r{credential.revision}.pdf",
        content_type="application/pdf",
        attachment=False,
    )


@require_permission(VIEW)
def row_status(request, pk: int):
    """A register row's status, polled while it is Generating (live progress)."""
    credential = get_object_or_404(Credential, pk=pk)
    context = {
        "credential": credential,
        "status_class": selectors.STATUS_CLASS.get(credential.status, ""),
    }
    response = render(request, "credentials/_row_status.html", context)
    if credential.status != CredentialStatus.GENERATING:
        response["HX-Refresh"] = "true"  # its actions and gates changed with it
    return response


@require_permission(VIEW, PERM_REQUEST)
def preview(request, pk: int):
    """Preview: the generated draft; a credential not generated yet (Requested or Failed) is
    generated first. One being generated right now gets an unsigned preview made from today's
    data, and nothing is changed."""
    credential = credential_or_404(pk)
    if credential.status in (CredentialStatus.REQUESTED, CredentialStatus.FAILED):
        # Another run took it first, or the database is busy: a preview made now from the row
        # already read (asking the busy database again could fail the same way), which changes
        # nothing, is still what the user asked to see.
        with contextlib.suppress(ValidationError, DatabaseError):
            credential = credential_generate_now(actor=request.user, credential=credential)
        if credential.status == CredentialStatus.FAILED:
            context = {
                "credential": credential,
                "title": PREVIEW_FAILED,
                "error": credential.failure_message,
            }
            return render(request, "credentials/preview_error.html", context, status=422)
    if credential.status == CredentialStatus.GENERATED and credential.draft:
        return _draft_response(credential)
    try:
        pdf = documents.render_preview(credential)
    except documents.RenderError as error:
        context = {"credential": credential, "title": PREVIEW_FAILED, "error": str(error)}
        return render(request, "credentials/preview_error.html", context, status=422)
    return _pdf_response(pdf, f"preview-{credential.learner.client_id}-{credential.pk}.pdf")


@require_permission(VIEW)
def reprint(request, pk: int):
    """The stored, signed document of an issued credential, exactly as it was issued."""
    credential = get_object_or_404(
        Credential.objects.select_related("issuance"), pk=pk, status=CredentialStatus.ISSUED
    )
    try:
        return issued_document_response(credential, attachment=False)
    except DocumentNotAsIssued as error:
        context = {"credential": credential, "title": REPRINT_REFUSED, "error": str(error)}
        return render(request, "credentials/document_error.html", context, status=409)


@require_permission(VIEW, PERM_REQUEST)
def draft(request, pk: int):
    """The draft made by the last generation (unsigned, with no credential number)."""
    credential = get_object_or_404(Credential, pk=pk)
    if not credential.draft or credential.status in (
        CredentialStatus.ISSUED,
        CredentialStatus.CANCELLED,
    ):
        raise Http404
    return _draft_response(credential)
