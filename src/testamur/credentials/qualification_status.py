"""A qualification enrolment follows its credentials' statuses (DESIGN.md rule 10).

The credential lifecycle calls this after every change, in the same transaction; it lives with
credentials because qualifications sit below them and never import them.
"""

from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from testamur.core.events import EventRecord, event_record_many
from testamur.credentials.models import Credential, CredentialStatus, CredentialType
from testamur.qualifications.models import QualificationEnrolment, QualificationStatus


def status_from_credentials(credentials: list[tuple[str, str]], *, audit_passed: bool) -> str:
    """The enrolment status its credentials (type, status) give.

    Cancelling the testamur withdraws the qualification; otherwise the least advanced live
    credential sets the status. With no credentials left (a request deleted) the audit does.
    """
    live = [(kind, status) for kind, status in credentials if status != CredentialStatus.CANCELLED]
    testamur_cancelled = any(
        kind == CredentialType.TESTAMUR and status == CredentialStatus.CANCELLED
        for kind, status in credentials
    )
    if testamur_cancelled and not any(kind == CredentialType.TESTAMUR for kind, _ in live):
        return QualificationStatus.WITHDRAWN
    statuses = {status for _, status in live}
    if not statuses:
        return QualificationStatus.READY if audit_passed else QualificationStatus.NOT_YET_ACHIEVED
    if CredentialStatus.FAILED in statuses:
        return QualificationStatus.FAILED
    if statuses & {CredentialStatus.REQUESTED, CredentialStatus.GENERATING}:
        return QualificationStatus.GENERATING
    if CredentialStatus.GENERATED in statuses:
        return QualificationStatus.AWAITING_ISSUE
    return QualificationStatus.ISSUED


def qualification_enrolment_sync_status(*, credentials, actor) -> None:
    """Set the status of the qualification enrolments of these credentials from their credentials.

    Called wherever credentials change state, after they are saved, in the same transaction.
    Credentials from course enrolments are ignored at no cost.
    """
    ids = {c.qualification_enrolment_id for c in credentials if c.qualification_enrolment_id}
    if not ids:
        return
    with transaction.atomic():
        rows = list(
            QualificationEnrolment.objects.select_for_update().filter(pk__in=ids).order_by("pk")
        )
        found = defaultdict(list)
        for enrolment_id, kind, status in Credential.objects.filter(
            qualification_enrolment_id__in=ids
        ).values_list("qualification_enrolment_id", "credential_type", "status"):
            found[enrolment_id].append((kind, status))
        events, changed = [], []
        now = timezone.now()
        for row in rows:
            status = status_from_credentials(found[row.pk], audit_passed=row.audit_passed)
            if status == row.status:
                continue
            events.append(
                EventRecord(
                    actor=actor,
                    subject_type="qualification_enrolment",
                    subject_id=row.pk,
                    learner_id=row.learner_id,
                    action="status_changed",
                    from_state=row.status,
                    to_state=status,
                    reason="Follows its credentials",
                )
            )
            row.status, row.updated_at = status, now
            changed.append(row)
        QualificationEnrolment.objects.bulk_update(changed, ["status", "updated_at"])
        event_record_many(events)
