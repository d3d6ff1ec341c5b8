"""Reads: which credentials can be verified, what they state, and what a learner may see."""

import re
from datetime import datetime, time

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from testamur.core.text import fold_compact
from testamur.credentials.models import Credential, CredentialIssuance, CredentialStatus
from testamur.learners.models import Learner
from testamur.training.models import CourseEnrolment
from testamur.verification import composition
from testamur.verification.issuance import utc_timestamp
from testamur.verification.models import DigitalCredential

# secrets.token_urlsafe(16): 22 characters of the URL-safe base64 alphabet.
CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,32}$")


def verifiable_credentials() -> QuerySet[Credential]:
    """Issued credentials, and issued ones since cancelled: those with a completed issuance
    record. Never drafts, failed ones or ones still being issued."""
    return (
        Credential.objects.filter(
            status__in=[CredentialStatus.ISSUED, CredentialStatus.CANCELLED],
            issuance__isnull=False,
        )
        .exclude(issuance__document_sha256="")
        .select_related("issuance", "learner")
    )


def credential_by_code(code: str) -> Credential | None:
    if not CODE_PATTERN.match(code or ""):
        return None
    return verifiable_credentials().filter(issuance__verification_code=code).first()


def page_state(code: str) -> dict | None:
    """What the public page of a credential depends on, in one small query: its status, when
    it and its replacement last changed, and when its digital credential was made. Enough to
    tell whether a page made earlier is still the page (views/public.py keeps pages by it)."""
    if not CODE_PATTERN.match(code or ""):
        return None
    replacement = verifiable_credentials().filter(
        replaces=OuterRef("pk"), status=CredentialStatus.ISSUED
    )
    made = DigitalCredential.objects.filter(credential=OuterRef("pk"), signed__isnull=False)
    return (
        verifiable_credentials()
        .filter(issuance__verification_code=code)
        .values("pk", "status", "updated_at")
        .annotate(
            replacement_pk=Subquery(replacement.values("pk")[:1]),
            replacement_updated_at=Subquery(replacement.values("updated_at")[:1]),
            vc_signed_at=Subquery(made.values("signed_at")[:1]),
            vc_created_at=Subquery(made.values("created_at")[:1]),
        )
        .first()
    )


def credential_by_number(number: str, family_name: str) -> Credential | None:
    """Both must match what was issued (one query either way, so a wrong name looks like an
    unknown number). The family name is the one printed, whatever the learner is called now,
    compared folded: accents, case, apostrophe style, hyphens and spaces make no difference."""
    number = (number or "").strip().upper()
    wanted = fold_compact(family_name)
    if not number or not wanted:
        return None
    credential = verifiable_credentials().filter(issuance__number__iexact=number).first()
    if credential is None or fold_compact(credential.issuance.learner_family_name) != wanted:
        return None
    return credential


def replacement_of(credential: Credential) -> Credential | None:
    """The issued credential that replaces this one, if any."""
    if credential.status != CredentialStatus.CANCELLED:
        return None
    return (
        verifiable_credentials().filter(replaces=credential, status=CredentialStatus.ISSUED).first()
    )


def _valid_from(record: CredentialIssuance) -> str:
    if record.issued_at:
        return utc_timestamp(record.issued_at)
    start = datetime.combine(record.issued_on, time.min)
    return utc_timestamp(timezone.make_aware(start))


def credential_facts(record: CredentialIssuance, *, email: str = "") -> dict:
    """What the credential states, from its issuance record alone: what its page and digital
    credential say. Later edits to the learner, the enrolment or the RTO never change it.

    Learner data is the display name only: never the USI, date of birth or address; the
    email only when the caller gives it (the record's `learner_email_identifier`, for the
    digital credential).
    """
    organisation = record.organisation
    return {
        "organisation": {
            "name": organisation.get("name", ""),
            "rto_code": organisation.get("rto_code", ""),
            "url": organisation.get("website", ""),
            "email": organisation.get("email", ""),
        },
        "credential": {
            "type": record.credential_type,
            "type_label": record.credential_type_label,
            "number": record.number,
            "issued_on": record.issued_on.isoformat(),
            "valid_from": _valid_from(record),
        },
        "learner": {
            "display_name": record.learner_display_name,
            **({"email": email} if email else {}),
        },
        "course": {
            "code": record.course_code,
            "title": record.course_title,
            "is_qualification": record.course_is_qualification,
            "aqf_level": record.course_aqf_level,
        }
        if record.course_code
        else None,
        "units": [
            {"code": unit["code"], "title": unit["title"], "is_vet": unit.get("is_vet", True)}
            for unit in record.units
        ],
    }


def digital_credentials_missing() -> QuerySet[Credential]:
    """Issued credentials whose signed digital credential has not been made (yet)."""
    return (
        verifiable_credentials()
        .filter(status=CredentialStatus.ISSUED)
        .exclude(digital_credential__signed__isnull=False)
    )


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
    signed = DigitalCredential.objects.filter(credential=OuterRef("pk"), signed__isnull=False)
    return (
        verifiable_credentials()
        .filter(learner=learner, status=CredentialStatus.ISSUED)
        .filter(~Q(document=""))
        .annotate(has_digital_credential=Exists(signed))
        .order_by("-issuance__issued_on", "-id")
    )


def unsigned_credential(
    entry: DigitalCredential, record: CredentialIssuance, *, issuer_id: str | None = None
) -> dict:
    """The Open Badges credential the issuance record gives for this digital credential
    entry, before its proof: with the learner's email identifier when the record holds one.
    What the issue run embeds, the background maker signs and the register check compares."""
    return composition.open_badge_credential(
        credential_facts(record, email=record.learner_email_identifier),
        credential_id=f"urn:uuid:{entry.uuid}",
        status_entry=composition.status_entry(
            purpose=entry.status_list.purpose,
            number=entry.status_list.number,
            index=entry.status_index,
        ),
        issuer_id=issuer_id,
    )
