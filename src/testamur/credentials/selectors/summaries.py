"""Counts and summaries for the dashboard and other apps' pages."""

from django.db.models import Count, QuerySet

from testamur.credentials.models import (
    Credential,
    CredentialStatus,
)
from testamur.credentials.selectors.register import IN_PROGRESS
from testamur.credentials.status_counts import status_counts
from testamur.learners.models import Learner, usi_not_cleared
from testamur.training.models import CourseEnrolment


def credential_status_counts() -> list[dict]:
    """How many credentials are in each status, every status listed (for the dashboard)."""
    counts = status_counts()
    return [
        {"status": status.value, "label": status.label, "count": counts.get(status.value, 0)}
        for status in CredentialStatus
    ]


def enrolment_credential_summary(*, enrolment: CourseEnrolment) -> str:
    """The enrolment's issued (else generated) credential in words; "" when it has neither."""
    credentials = Credential.objects.filter(
        course_enrolment=enrolment,
        status__in=[CredentialStatus.ISSUED, CredentialStatus.GENERATED],
    ).order_by("-created_at")
    best = sorted(credentials, key=lambda c: c.status != CredentialStatus.ISSUED)
    if not best:
        return ""
    credential = best[0]
    kind = credential.get_credential_type_display()
    if credential.status == CredentialStatus.ISSUED:
        return f"{kind} {credential.number} issued on {credential.issued_on:%d/%m/%Y}."
    return f"{kind} generated, awaiting issue."


def learners_unverified_waiting() -> QuerySet[Learner]:
    """Learners without a verified USI (or exemption) who have credentials on the way: their
    credentials cannot be issued until the USI is verified (rule 3). Read through the flag the
    database keeps on the learner (kept_flags.py) and its partial index."""
    return Learner.objects.filter(usi_not_cleared(), credentials_waiting=True)


def learners_unverified_waiting_list(limit: int) -> list[Learner]:
    """The first of them by name, each with how many credentials wait (`waiting`)."""
    learners = list(
        learners_unverified_waiting().order_by("family_name", "given_name", "id")[:limit]
    )
    waiting = dict(
        Credential.objects.filter(learner__in=learners, status__in=IN_PROGRESS)
        .values_list("learner")
        .annotate(n=Count("id"))
        .order_by()
    )
    for learner in learners:
        learner.waiting = waiting.get(learner.pk, 0)
    return learners
