"""Credentials: the register with its filters, request (one or in bulk), cancel, re-issue,
delete a mistaken request, and the stored documents."""

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from ninja import Query, Router, Status
from ninja.decorators import decorate_view
from ninja.errors import HttpError
from ninja.pagination import paginate

from testamur.accounts.models import User
from testamur.api.auth import require_perms
from testamur.api.common import (
    WRITE_ERRORS,
    CursorPagination,
    PathId,
    QueryRevision,
    get_or_404,
    responses,
)
from testamur.api.idempotency import IDEMPOTENCY_DOC, idempotent
from testamur.api.routers.refs import UserRef
from testamur.api.schemas.credentials import (
    BulkOut,
    Cancellation,
    CancellationBulk,
    CredentialDetail,
    CredentialFilters,
    CredentialOut,
    CredentialRequest,
    CredentialRequestBulk,
    Reissue,
    RequestOptions,
    TemplateOut,
)
from testamur.core.downloads import stored_file_response
from testamur.credentials import selectors, services
from testamur.credentials.forms import DATES_REVERSED
from testamur.credentials.models import (
    Credential,
    CredentialStatus,
    CredentialTemplate,
)
from testamur.credentials.views.common import DocumentNotAsIssued, issued_document_response
from testamur.learners.models import Learner
from testamur.qualifications.models import QualificationEnrolment
from testamur.training import selectors as training_selectors
from testamur.training.models import Course, CourseEnrolment, CourseOffer

router = Router(tags=["Credentials"])

VIEW = "credentials.view_credential"

TEMPLATE_UNKNOWN = "There is no credential template with id {pk}."
ENROLMENT_UNKNOWN = "There is no course enrolment with id {pk}."
OFFER_UNKNOWN = "There is no course offer with id {pk}."
NO_TEMPLATE = "No credential template is available for requests: activate one first."
OFFICER_NOT_ALLOWED = "The issuing officer must be an active Admin or Owner (user id {pk} is not)."
ENROLMENTS_NOT_IN_OFFER = "These course enrolments are not in offer {offer}: {ids}."
NOT_ISSUED = "Credential {pk} has no issued document: only an issued credential has one."
NO_DRAFT = "Credential {pk} has no generated draft to show."

PDF_RESPONSE = {
    "responses": {
        200: {
            "description": "The PDF.",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


def credential_or_404(pk: int, **scope) -> Credential:
    return get_or_404(selectors.credentials_base(), "credential", pk, **scope)


def _found(model, pk: int | None):
    """For a filter: the record, None when not asked for, or False when it does not exist."""
    if pk is None:
        return None
    return model.objects.filter(pk=pk).first() or False


def _register(filters: CredentialFilters) -> QuerySet[Credential]:
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise ValidationError({"date_to": DATES_REVERSED})
    related = {
        "course": _found(Course, filters.course),
        "offer": _found(CourseOffer, filters.offer),
        "template": _found(CredentialTemplate, filters.template),
        "issuing_officer": _found(User, filters.officer),
        "learner": _found(Learner, filters.learner),
        "enrolment": _found(CourseEnrolment, filters.enrolment),
        "qualification_enrolment": _found(QualificationEnrolment, filters.qualification_enrolment),
    }
    if any(value is False for value in related.values()):
        return Credential.objects.none()
    chosen = selectors.RegisterFilter(
        status=filters.status,
        search=filters.q,
        credential_type=filters.type,
        date_from=filters.date_from,
        date_to=filters.date_to,
        **related,
    )
    return selectors.credential_list(chosen)


def issuing_officer_or_422(pk: int | None):
    """The request form offers only staff who may issue; an id of anyone else is refused."""
    if pk is None:
        return None
    officer = selectors.issuing_officers().filter(pk=pk).first()
    if officer is None:
        raise ValidationError({"issuing_officer": OFFICER_NOT_ALLOWED.format(pk=pk)})
    return officer


def _request_options(options: RequestOptions, course: Course) -> dict:
    """The request form's choices: a template available for requests, an officer who may issue."""
    if options.template is None:
        template = selectors.template_default(course)
        if template is None:
            raise ValidationError({"template": NO_TEMPLATE})
    else:
        template = CredentialTemplate.objects.filter(pk=options.template).first()
        if template is None:
            raise ValidationError({"template": TEMPLATE_UNKNOWN.format(pk=options.template)})
    return {
        "template": template,
        "credential_date": options.credential_date or timezone.localdate(),
        "issuing_officer": issuing_officer_or_422(options.issuing_officer),
        "status_reason": options.status_reason,
    }


def bulk_out(outcome) -> dict:
    return {
        "done": outcome.done,
        "skipped": [{"item": str(item), "reason": reason} for item, reason in outcome.skipped],
        "summary": outcome.summary(),
    }


# The register


@router.get(
    "/credentials",
    response=responses({200: list[CredentialOut]}),
    summary="The credential register",
)
@paginate(CursorPagination, keys=selectors.REGISTER_ORDER)
def credential_list(request, filters: Query[CredentialFilters]):
    """The credential register, newest first, with the register page's filters."""
    require_perms(request, VIEW)
    return _register(filters)


@router.get(
    "/learners/{learner_id}/credentials",
    response=responses({200: list[CredentialOut]}),
    summary="A learner's credentials",
)
@paginate(CursorPagination, keys=selectors.REGISTER_ORDER)
def learner_credential_list(request, learner_id: PathId):
    require_perms(request, VIEW, "learners.view_learner")
    learner = get_or_404(Learner.objects.all(), "learner", learner_id)
    return selectors.credential_list(learner=learner)


@router.get(
    "/learners/{learner_id}/credentials/{credential_id}",
    response=responses({200: CredentialOut}),
    summary="One of a learner's credentials",
)
def learner_credential_detail(request, learner_id: PathId, credential_id: PathId):
    """One of the learner's credentials; another learner's credential is not found here."""
    require_perms(request, VIEW, "learners.view_learner")
    return credential_or_404(credential_id, learner_id=learner_id)


@router.get(
    "/templates",
    response=responses({200: list[TemplateOut]}),
    summary="Templates available for requests",
)
def template_list(request):
    """Templates that can be chosen for a request: available, with an active version."""
    require_perms(request, "credentials.view_credentialtemplate")
    return list(selectors.templates_available())


@router.get(
    "/issuing-officers", response=responses({200: list[UserRef]}), summary="Staff who may issue"
)
def issuing_officer_list(request):
    """Staff who may be named as the issuing officer: active Admins and Owners."""
    require_perms(request, services.PERM_REQUEST)
    return list(selectors.issuing_officers())


# Request


@router.post(
    "/credentials",
    response=responses({201: CredentialOut}, WRITE_ERRORS),
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Request a credential",
)
@decorate_view(idempotent)
def credential_request(request, payload: CredentialRequest):
    """Request one credential for a course enrolment; its generation starts at once (status
    Generating, then Generated once the background run has rendered it)."""
    require_perms(request, VIEW, services.PERM_REQUEST)
    enrolment = training_selectors.enrolments().filter(pk=payload.course_enrolment).first()
    if enrolment is None:
        raise ValidationError(
            {"course_enrolment": ENROLMENT_UNKNOWN.format(pk=payload.course_enrolment)}
        )
    credential = services.credential_request(
        actor=request.auth,
        course_enrolment=enrolment,
        **_request_options(payload, enrolment.offer.course),
        generate=True,
    )
    return Status(201, credential_or_404(credential.pk))


@router.post(
    "/credentials/request-bulk",
    response=responses({200: BulkOut}, WRITE_ERRORS),
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Request credentials for a course offer",
)
@decorate_view(idempotent)
def credential_request_bulk(request, payload: CredentialRequestBulk):
    """Request a credential for each chosen enrolment of a course offer (all when none chosen).

    Enrolments that cannot have one (it already exists, say) are skipped with the reason.
    """
    require_perms(request, VIEW, services.PERM_REQUEST, "training.view_courseenrolment")
    offer = CourseOffer.objects.select_related("course").filter(pk=payload.offer).first()
    if offer is None:
        raise ValidationError({"offer": OFFER_UNKNOWN.format(pk=payload.offer)})
    enrolments = training_selectors.offer_enrolments(offer=offer)
    if payload.enrolments is not None:
        wanted = set(payload.enrolments)
        enrolments = training_selectors.offer_enrolments_selected(offer=offer, ids=list(wanted))
        strangers = wanted - {e.pk for e in enrolments}
        if strangers:
            ids = ", ".join(str(pk) for pk in sorted(strangers))
            raise ValidationError(
                {"enrolments": ENROLMENTS_NOT_IN_OFFER.format(offer=offer.code, ids=ids)}
            )
    outcome = services.credential_request_bulk(
        actor=request.auth,
        course_enrolments=list(enrolments),
        **_request_options(payload, offer.course),
        generate=True,
    )
    outcome.done = list(
        selectors.credentials_base().filter(pk__in=[c.pk for c in outcome.done]).order_by("id")
    )
    return bulk_out(outcome)


# Cancel, re-issue, delete. Fixed paths come before /credentials/{credential_id}.


@router.post(
    "/credentials/cancel",
    response=responses({200: BulkOut}, WRITE_ERRORS),
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Cancel several credentials",
)
@decorate_view(idempotent)
def credential_cancel_bulk(request, payload: CancellationBulk):
    """Cancel several with one reason; those that cannot be cancelled are skipped, with why."""
    require_perms(request, VIEW)
    credentials = selectors.credentials_selected(payload.credentials)
    outcome = services.credential_cancel_bulk(
        actor=request.auth, credentials=credentials, reason=payload.reason
    )
    missing = set(payload.credentials) - {c.pk for c in credentials}
    outcome.skipped.extend((f"Credential {pk}", "It does not exist.") for pk in sorted(missing))
    outcome.done = selectors.credentials_selected(c.pk for c in outcome.done)
    return bulk_out(outcome)


@router.post(
    "/credentials/{credential_id}/cancel",
    response=responses({200: CredentialOut}, WRITE_ERRORS),
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Cancel a credential",
)
@decorate_view(idempotent)
def credential_cancel(request, credential_id: PathId, payload: Cancellation):
    """Cancel with a reason (Admins and Owners). It stays in the register, marked Cancelled."""
    require_perms(request, VIEW)
    services.credential_cancel(
        actor=request.auth,
        credential=credential_or_404(credential_id),
        reason=payload.reason,
        revision=payload.revision,
    )
    return credential_or_404(credential_id)


@router.get(
    "/credentials/{credential_id}",
    response=responses({200: CredentialDetail}),
    summary="One credential",
)
def credential_detail(request, credential_id: PathId):
    """One credential with its issue gates, what you may do to it and its history."""
    require_perms(request, VIEW)
    credential = credential_or_404(credential_id)
    row = selectors.credential_rows([credential], request.auth)[0]
    credential.actions = sorted(row.actions)
    credential.gate = (
        {"ok": row.gate.ok, "blockers": row.gate.blockers, "warnings": row.gate.warnings}
        if row.gate
        else None
    )
    credential.history = selectors.credential_history(credential)
    credential.changed_since_issue = selectors.issuance_differences(credential)
    return credential


@router.post(
    "/credentials/{credential_id}/reissue",
    response=responses({201: CredentialOut}, WRITE_ERRORS),
    openapi_extra=IDEMPOTENCY_DOC,
    summary="Re-issue a credential",
)
@decorate_view(idempotent)
def credential_reissue(request, credential_id: PathId, payload: Reissue):
    """Cancel an issued credential (with the reason) and request its replacement, linked to it.

    The replacement gets a new number when it is issued.
    """
    require_perms(request, VIEW)
    replacement = services.credential_reissue(
        actor=request.auth,
        credential=credential_or_404(credential_id),
        reason=payload.reason,
        credential_date=payload.credential_date,
        revision=payload.revision,
    )
    return Status(201, credential_or_404(replacement.pk))


@router.delete(
    "/credentials/{credential_id}",
    response=responses({204: None}, WRITE_ERRORS),
    summary="Delete a mistaken request",
)
def credential_delete(request, credential_id: PathId, revision: QueryRevision = None):
    """Delete a credential requested by mistake (only while it is still Requested)."""
    require_perms(request, VIEW)
    services.credential_delete(
        actor=request.auth, credential=credential_or_404(credential_id), revision=revision
    )
    return Status(204, None)


# Documents


@router.get(
    "/credentials/{credential_id}/document",
    response=responses({200: None}),
    openapi_extra=PDF_RESPONSE,
    summary="Download the issued, signed PDF",
)
def credential_document(request, credential_id: PathId):
    """The stored, signed PDF of an issued credential, exactly as it was issued (Reprint)."""
    require_perms(request, VIEW)
    credential = credential_or_404(credential_id)
    if credential.status != CredentialStatus.ISSUED or not credential.document:
        raise Http404(NOT_ISSUED.format(pk=credential_id))
    try:
        return issued_document_response(credential, attachment=True)
    except DocumentNotAsIssued as error:
        raise HttpError(409, str(error)) from error


@router.get(
    "/credentials/{credential_id}/draft",
    response=responses({200: None}),
    openapi_extra=PDF_RESPONSE,
    summary="Download the generated draft",
)
def credential_draft(request, credential_id: PathId):
    """The unsigned draft made by the last generation, without a credential number."""
    require_perms(request, VIEW, services.PERM_REQUEST)
    credential = credential_or_404(credential_id)
    finished = credential.status in (CredentialStatus.ISSUED, CredentialStatus.CANCELLED)
    if finished or not credential.draft:
        raise Http404(NO_DRAFT.format(pk=credential_id))
    return stored_file_response(
        credential.draft,
        f"draft-{credential.pk}-r{credential.revision}.pdf",
        content_type="application/pdf",
        attachment=True,
    )
