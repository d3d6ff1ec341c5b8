"""Request credentials from qualification enrolments: the testamur and the record of results
together, only for an enrolment whose audit made it Ready to be Requested.

Both are then generated in the background (one run), so the enrolment moves on to Awaiting
Issue by itself, as its status follows its credentials.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from testamur.credentials.models import Credential, CredentialTemplate, CredentialType
from testamur.credentials.selectors import templates_available
from testamur.credentials.services import (
    GENERATING_NOW,
    PERM_REQUEST,
    BulkOutcome,
    credential_request,
    generation_start,
    require,
)
from testamur.qualifications.models import QualificationEnrolment, QualificationStatus

NOT_READY = (
    "{learner} is {status} in {qualification}: credentials can only be requested when the "
    "enrolment is Ready to be Requested."
)
NO_TEMPLATE = (
    "No {kind} template is available for requests: make one available (with an active "
    "version) under the credential templates first."
)
WRONG_TEMPLATE = "{name} is not a {kind} template."
NONE_SELECTED = "Select at least one qualification enrolment to request credentials for."

QUALIFICATION_TYPES = (CredentialType.TESTAMUR, CredentialType.RECORD_OF_RESULTS)


def qualification_templates(
    testamur: CredentialTemplate | None = None, record: CredentialTemplate | None = None
) -> dict[str, CredentialTemplate]:
    """The chosen templates by type, or the first available of each type; refuse a mismatch."""
    chosen = {CredentialType.TESTAMUR: testamur, CredentialType.RECORD_OF_RESULTS: record}
    templates = {}
    for kind, template in chosen.items():
        label = CredentialType(kind).label
        if template is None:
            template = templates_available().filter(credential_type=kind).first()
            if template is None:
                raise ValidationError(NO_TEMPLATE.format(kind=label))
        elif template.credential_type != kind:
            raise ValidationError(WRONG_TEMPLATE.format(name=template.name, kind=label))
        templates[kind] = template
    return templates


def _request_both(
    *, actor, enrolment: QualificationEnrolment, templates, credential_date, **options
) -> list[Credential]:
    with transaction.atomic():
        locked = (
            QualificationEnrolment.objects.select_for_update(of=("self",))
            .select_related("learner", "qualification")
            .get(pk=enrolment.pk)
        )
        if locked.status != QualificationStatus.READY:
            raise ValidationError(
                NOT_READY.format(
                    learner=locked.learner.full_name,
                    status=locked.get_status_display(),
                    qualification=locked.qualification.code,
                )
            )
        return [
            credential_request(
                actor=actor,
                qualification_enrolment=locked,
                template=templates[kind],
                credential_date=credential_date,
                **options,
            )
            for kind in QUALIFICATION_TYPES
        ]


def credential_request_for_qualification_bulk(
    *,
    actor,
    qualification_enrolments,
    credential_date: date,
    testamur_template: CredentialTemplate | None = None,
    record_template: CredentialTemplate | None = None,
    issuing_officer=None,
    status_reason: str = "",
    generate: bool = True,
) -> BulkOutcome:
    """Request the testamur and record of results for each Ready enrolment; skip the others
    with the reason. With `generate`, the new credentials are generated in one background run.
    """
    require(actor, PERM_REQUEST)
    enrolments = list(qualification_enrolments)
    if not enrolments:
        raise ValidationError(NONE_SELECTED)
    templates = qualification_templates(testamur_template, record_template)
    outcome = BulkOutcome(verb="requested")
    for enrolment in enrolments:
        try:
            outcome.done += _request_both(
                actor=actor,
                enrolment=enrolment,
                templates=templates,
                credential_date=credential_date,
                issuing_officer=issuing_officer,
                status_reason=status_reason,
            )
        except ValidationError as exc:
            outcome.skipped.append((enrolment.learner.full_name, " ".join(exc.messages)))
    if generate and outcome.done:
        run = generation_start(actor=actor, credentials=outcome.done)
        outcome.notes.append(GENERATING_NOW.format(run=run.pk))
    return outcome


def credential_request_for_qualification(
    *,
    actor,
    qualification_enrolment: QualificationEnrolment,
    credential_date: date,
    testamur_template: CredentialTemplate | None = None,
    record_template: CredentialTemplate | None = None,
    issuing_officer=None,
    status_reason: str = "",
    generate: bool = True,
) -> list[Credential]:
    """Request both credentials for one Ready enrolment; refuse any other status, saying which."""
    require(actor, PERM_REQUEST)
    templates = qualification_templates(testamur_template, record_template)
    credentials = _request_both(
        actor=actor,
        enrolment=qualification_enrolment,
        templates=templates,
        credential_date=credential_date,
        issuing_officer=issuing_officer,
        status_reason=status_reason,
    )
    if generate:
        generation_start(actor=actor, credentials=credentials)
    return credentials
