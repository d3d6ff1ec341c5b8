"""Checking that every issued credential is one fact (manage.py verify_register).

For each issued, and each issued-then-cancelled, credential the checks compare everything that
shows it with its issuance record (DESIGN.md rule 9): the stored PDF's SHA-256, its signature,
the register's columns, the course enrolment's qualification-issued flag, then what higher
layers register (the digital credential, the NAT00130 issued flag). The first mismatch per
credential is reported. Credentials are read a batch at a time, so memory stays constant
however large the register.

"Register columns = record": the register shows an issued credential's number, type, course
and issued date from its record and the learner it belongs to; the credential row's own
columns must equal the record's, and while the credential is valid (Issued) the learner's
name must still be the one printed: a renamed learner holds a document with another name,
and the register says so until the credential is re-issued with the corrected details.
"""

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db.models import Q

from testamur.credentials.models import Credential, CredentialStatus
from testamur.credentials.rendering.context import strip_control_characters
from testamur.organisation.pdf_signing import Signer
from testamur.organisation.signing_keys import signing_keys_unlocked
from testamur.training.models import CourseEnrolment

BATCH = 100

NO_RECORD = "no issuance record: nothing says what its document stated"
RECORD_INCOMPLETE = "its issuance record was never completed (no document fingerprint)"
DOCUMENT_MISSING = "the stored PDF is missing"
DOCUMENT_CHANGED = "the stored PDF's SHA-256 {actual} is not the recorded {recorded}"
SIGNATURE_INVALID = "the stored PDF's signature does not validate: {problem}"
NO_SIGNING_KEY = "no signing key can be unlocked to check the PDF's signature"
COLUMN_DIFFERS = "register {column} is {register!r}, the record says {record!r}"
NAME_DIFFERS = (
    "the learner is now {now!r}; the document says {printed!r}: re-issue with the corrected details"
)
FLAG_MISSING = (
    "course enrolment {enrolment} does not show it as the qualification issued "
    "(flag {flag}, parchment {parchment!r}, issued date {date})"
)
FLAG_NOT_WITHDRAWN = "course enrolment {enrolment} still shows cancelled {number} as its parchment"
FLAG_NOT_FINAL = (
    "course enrolment {enrolment} shows it as its parchment, but it was not issued as a final "
    "qualification testamur"
)

# A check takes a batch of credentials (issuance, learner, course loaded) and returns the
# first problem it finds for each credential it finds one for.
Check = Callable[[list[Credential]], dict[int, str]]
_checks: list[Check] = []


def register_check_add(check: Check) -> None:
    """Higher layers add the checks of what they make from the record (AppConfig.ready())."""
    if check not in _checks:
        _checks.append(check)


@dataclass(frozen=True)
class Mismatch:
    credential_id: int
    number: str
    problem: str

    def __str__(self) -> str:
        return f"{self.number or f'credential {self.credential_id}'}: {self.problem}"


def issued_credentials():
    """Every credential that was issued: Issued now, or issued and since cancelled."""
    return (
        Credential.objects.filter(
            Q(status=CredentialStatus.ISSUED)
            | Q(status=CredentialStatus.CANCELLED, issued_on__isnull=False)
        )
        .select_related("issuance", "learner", "course")
        .order_by("pk")
    )


def register_mismatches() -> Iterator[Mismatch]:
    """The first mismatch of each issued credential, streamed a batch at a time."""
    signers = [Signer.from_pkcs12(data, passphrase) for data, passphrase in signing_keys_unlocked()]
    batch = []
    for credential in issued_credentials().iterator(chunk_size=BATCH):
        batch.append(credential)
        if len(batch) == BATCH:
            yield from _check_batch(batch, signers)
            batch = []
    yield from _check_batch(batch, signers)


def _check_batch(credentials: list[Credential], signers: list[Signer]) -> Iterator[Mismatch]:
    problems: dict[int, str] = {}
    checks = [
        _record_present,
        _document_as_recorded,
        lambda batch: _signature_valid(batch, signers),
        _register_columns,
        _course_enrolments,
        *_checks,
    ]
    for check in checks:
        pending = [c for c in credentials if c.pk not in problems]
        if not pending:
            break
        problems.update(check(pending))
    for credential in credentials:
        if credential.pk in problems:
            yield Mismatch(credential.pk, credential.number or "", problems[credential.pk])


def _record_present(credentials) -> dict[int, str]:
    problems = {}
    for credential in credentials:
        record = getattr(credential, "issuance", None)
        if record is None:
            problems[credential.pk] = NO_RECORD
        elif not record.is_complete:
            problems[credential.pk] = RECORD_INCOMPLETE
    return problems


def _document(credential) -> bytes | None:
    if not credential.document:
        return None
    try:
        with credential.document.open("rb") as handle:
            return handle.read()
    except OSError:
        return None


def _document_as_recorded(credentials) -> dict[int, str]:
    problems = {}
    for credential in credentials:
        data = _document(credential)
        if data is None:
            problems[credential.pk] = DOCUMENT_MISSING
            continue
        actual = hashlib.sha256(data).hexdigest()
        if actual != credential.issuance.document_sha256:
            problems[credential.pk] = DOCUMENT_CHANGED.format(
                actual=actual, recorded=credential.issuance.document_sha256
            )
    return problems


def _signature_valid(credentials, signers: list[Signer]) -> dict[int, str]:
    problems = {}
    for credential in credentials:
        if not signers:
            problems[credential.pk] = NO_SIGNING_KEY
            continue
        data = _document(credential)
        reports = []
        for signer in signers:
            report = signer.validate(data)
            if report.valid:
                break
            reports.append(report)
        else:
            problems[credential.pk] = SIGNATURE_INVALID.format(problem=reports[0].problem)
    return problems


def _register_columns(credentials) -> dict[int, str]:
    problems = {}
    for credential in credentials:
        record = credential.issuance
        columns = [
            ("number", credential.number, record.number),
            ("type", credential.credential_type, record.credential_type),
            ("issued date", credential.issued_on, record.issued_on),
            ("course", credential.course.code if credential.course else "", record.course_code),
            ("verification code", credential.verification_code, record.verification_code),
        ]
        for column, register, recorded in columns:
            if register != recorded:
                problems[credential.pk] = COLUMN_DIFFERS.format(
                    column=column, register=register, record=recorded
                )
                break
        else:
            now = strip_control_characters(credential.learner.full_name)
            if credential.status == CredentialStatus.ISSUED and now != record.learner_full_name:
                problems[credential.pk] = NAME_DIFFERS.format(
                    now=now, printed=record.learner_full_name
                )
    return problems


def _course_enrolments(credentials) -> dict[int, str]:
    """A final-qualification testamur's enrolment shows it while it is valid, and only then;
    no other credential is ever an enrolment's parchment."""
    records = {c.pk: c.issuance for c in credentials}
    flagged_ids = {r.qualification_enrolment_flagged_id for r in records.values()} - {None}
    numbers = [r.number for r in records.values()]
    enrolments = CourseEnrolment.objects.filter(
        Q(pk__in=flagged_ids) | Q(parchment_number__in=numbers)
    ).only("pk", "qual_issued", "parchment_number", "issued_date")
    by_pk = {e.pk: e for e in enrolments}
    by_parchment = {e.parchment_number: e for e in enrolments if e.parchment_number}
    problems = {}
    for credential in credentials:
        record = records[credential.pk]
        holder = by_parchment.get(record.number)
        if not record.qualification_enrolment_flagged_id:
            if holder is not None:
                problems[credential.pk] = FLAG_NOT_FINAL.format(enrolment=holder.pk)
            continue
        enrolment = by_pk[record.qualification_enrolment_flagged_id]
        if credential.status == CredentialStatus.ISSUED:
            shown = (
                enrolment.qual_issued
                and enrolment.parchment_number == record.number
                and enrolment.issued_date == record.issued_on
            )
            if not shown:
                problems[credential.pk] = FLAG_MISSING.format(
                    enrolment=enrolment.pk,
                    flag="Yes" if enrolment.qual_issued else "No",
                    parchment=enrolment.parchment_number,
                    date=enrolment.issued_date,
                )
        elif holder is not None:
            problems[credential.pk] = FLAG_NOT_WITHDRAWN.format(
                enrolment=holder.pk, number=record.number
            )
    return problems
