"""Reads: which credentials can be verified, what they state, and what a learner may see."""

import re
from datetime import datetime, time

from django.db.models import Q, QuerySet
from django.utils import timezone

from testamur.credentials.models import Credential, CredentialStatus
from testamur.learners.models import Learner
from testamur.organisation.models import Organisation
from testamur.training.achievement import achieved_unit_enrolments
from testamur.training.models import CourseEnrolment
from testamur.verification.issuance import utc_timestamp

# secrets.token_urlsafe(16): 22 characters of the URL-safe base64 alphabet.
CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,32}$")


def verifiable_credentials() -> QuerySet[Credential]:
    """Issued credentials, and issued ones since cancelled: never drafts or failed ones."""
    return Credential.objects.filter(
        status__in=[CredentialStatus.ISSUED, CredentialStatus.CANCELLED],
        issued_on__isnull=False,
        number__isnull=False,
        verification_code__isnull=False,
    ).select_related("learner", "course_enrolment__offer__course")


def credential_by_code(code: str) -> Credential | None:
    if not CODE_PATTERN.match(code or ""):
        return None
    return verifiable_credentials().filter(verification_code=code).first()


def credential_by_number(number: str, family_name: str) -> Credential | None:
    """Both must match (one query either way, so a wrong name looks like an unknown number)."""
    number = (number or "").strip().upper()
    family_name = " ".join((family_name or "").split())
    if not number or not family_name:
        return None
    return (
        verifiable_credentials()
        .filter(number__iexact=number, learner__family_name__iexact=family_name)
        .first()
    )


def replacement_of(credential: Credential) -> Credential | None:
    """The issued credential that replaces this one, if any."""
    if credential.status != CredentialStatus.CANCELLED:
        return None
    return (
        verifiable_credentials().filter(replaces=credential, status=CredentialStatus.ISSUED).first()
    )


def _valid_from(credential: Credential) -> str:
    if credential.issued_at:
        return utc_timestamp(credential.issued_at)
    start = datetime.combine(credential.issued_on, time.min)
    return utc_timestamp(timezone.make_aware(start))


def credential_facts(credential: Credential) -> dict:
    """What the credential states, as plain data: the snapshot its VC and page are made from.

    Learner data is the display name only: never the USI, date of birth, email or address.
    """
    organisation = Organisation.load()
    enrolment = credential.course_enrolment
    course = enrolment.offer.course if enrolment else None
    units = []
    if enrolment:
        units = [
            {"code": ue.unit.code, "title": ue.unit.title, "is_vet": ue.unit.is_vet}
            for ue in achieved_unit_enrolments([enrolment.pk])
        ]
    return {
        "organisation": {
            "name": organisation.display_name,
            "rto_code": organisation.rto_code,
            "url": organisation.website,
            "email": organisation.email,
        },
        "credential": {
            "type": credential.credential_type,
            "type_label": credential.get_credential_type_display(),
            "number": credential.number,
            "issued_on": credential.issued_on.isoformat(),
            "valid_from": _valid_from(credential),
        },
        "learner": {"display_name": credential.learner.display_name},
        "course": {
            "code": course.code,
            "title": course.title,
            "is_qualification": course.is_qualification,
            "aqf_level": course.aqf_level,
        }
        if course
        else None,
        "units": units,
    }


def learners_for_portal(email: str) -> list[Learner]:
    """Learners with this email whose portal access has not been turned off."""
    email = (email or "").strip()
    if not email:
        return []
    return [
        learner
        for learner in Learner.objects.filter(email__iexact=email)
        if not portal_access_disabled(learner)
    ]


def portal_access_disabled(learner: Learner) -> bool:
    """Turned off at finalisation: any of the learner's course enrolments says so."""
    return CourseEnrolment.objects.filter(learner=learner, portal_access_disabled=True).exists()


def portal_credentials(learner: Learner) -> QuerySet[Credential]:
    """The learner's own issued credentials, newest first."""
    return (
        verifiable_credentials()
        .filter(learner=learner, status=CredentialStatus.ISSUED)
        .filter(~Q(document=""))
        .order_by("-issued_on", "-id")
    )
