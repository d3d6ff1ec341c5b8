"""manage.py verify_register: after a whole lifecycle (request → generate → issue → cancel →
re-issue → issue, from a course offer and from a qualification enrolment) every issued credential
agrees with its issuance record; a learner renamed, a stored PDF replaced or a digital credential
edited afterwards is reported, naming the credential, and the command exits non-zero."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from testamur.credentials import register_checks
from testamur.credentials.models import Credential, CredentialStatus, CredentialType
from testamur.credentials.qualification_requests import credential_request_for_qualification
from testamur.credentials.services import credential_cancel, credential_reissue
from testamur.learners.models import Learner
from testamur.verification.models import DigitalCredential
from tests.credentials.helpers import (
    completed_offer,
    generated,
    issue,
    qualification_world,
    requested,
)
from tests.factories import template_make

pytestmark = pytest.mark.django_db

ISSUED_ON = timezone.localdate() - timedelta(days=1)


def _issue(actor, credentials, capture, *, final=False):
    issue(
        actor,
        credentials,
        capture,
        issued_on=ISSUED_ON,
        final_qualification=final,
    )


@pytest.fixture
def lifecycle(rto_admin, django_capture_on_commit_callbacks):
    """Everything that happens to credentials, once each, from both kinds of enrolment."""
    capture = django_capture_on_commit_callbacks
    _, qualification_enrolment = qualification_world()
    # From a course offer: statements and testamurs, one testamur cancelled and re-issued.
    enrolments = completed_offer(2)
    statements = generated(rto_admin, requested(enrolments), capture)
    testamurs = generated(
        rto_admin, requested(enrolments, template=template_make("testamur")), capture
    )
    _issue(rto_admin, statements, capture)
    _issue(rto_admin, testamurs, capture, final=True)
    with capture(execute=True):
        replacement = credential_reissue(
            actor=rto_admin, credential=testamurs[0], reason="Name misspelt"
        )
    _issue(rto_admin, generated(rto_admin, [replacement], capture), capture, final=True)
    credential_cancel(actor=rto_admin, credential=statements[1], reason="Issued in error")
    # From a qualification enrolment: both generated on request, the testamur re-issued.
    with capture(execute=True):
        both = credential_request_for_qualification(
            actor=rto_admin,
            qualification_enrolment=qualification_enrolment,
            credential_date=timezone.localdate(),
        )
    testamur = next(c for c in both if c.credential_type == CredentialType.TESTAMUR)
    record = next(c for c in both if c.credential_type == CredentialType.RECORD_OF_RESULTS)
    _issue(rto_admin, [record], capture)
    _issue(rto_admin, [testamur], capture, final=True)
    with capture(execute=True):
        replacement = credential_reissue(actor=rto_admin, credential=testamur, reason="Wrong major")
    _issue(rto_admin, [replacement], capture, final=True)
    return Credential.objects.filter(
        status__in=[CredentialStatus.ISSUED, CredentialStatus.CANCELLED]
    )


def _verify() -> tuple[str, int]:
    out = StringIO()
    try:
        call_command("verify_register", stdout=out)
    except CommandError as error:
        return out.getvalue() + str(error), error.returncode
    return out.getvalue(), 0


def test_after_the_whole_lifecycle_every_credential_agrees(lifecycle):
    output, code = _verify()
    assert code == 0, output
    # 2 statements, 2 testamurs and a replacement; a record of results, a testamur and its
    # replacement.
    assert lifecycle.count() == 8
    assert output.strip() == (
        "8 issued credential(s) checked: every one agrees with its issuance record."
    )


def test_it_reads_the_register_a_batch_at_a_time(lifecycle, monkeypatch):
    monkeypatch.setattr(register_checks, "BATCH", 3)
    learner_id = lifecycle.order_by("pk").last().learner_id
    Learner.objects.filter(pk=learner_id).update(family_name="Renamed")
    theirs = lifecycle.filter(learner_id=learner_id, status=CredentialStatus.ISSUED)

    output, code = _verify()

    assert code == 1
    reported = sorted(line.split(":")[0] for line in output.splitlines()[:-1])
    assert reported == sorted(c.number for c in theirs)


def test_a_renamed_learner_is_reported_naming_the_credential(lifecycle):
    credential = lifecycle.filter(
        status=CredentialStatus.ISSUED, credential_type="statement_of_attainment"
    ).first()
    learner = credential.learner
    printed = learner.full_name
    Learner.objects.filter(pk=learner.pk).update(family_name="Forger")

    output, code = _verify()

    assert code == 1
    expected = register_checks.NAME_DIFFERS.format(
        now=f"{learner.given_name} Forger", printed=printed
    )
    assert f"{credential.number}: {expected}" in output.splitlines()


def test_a_replaced_pdf_is_reported(lifecycle):
    credential = lifecycle.filter(status=CredentialStatus.ISSUED).last()
    with credential.document.open("wb") as handle:
        handle.write(b"%PDF-1.7 another document")

    output, code = _verify()

    assert code == 1
    (line,) = [line for line in output.splitlines() if line.startswith(credential.number)]
    assert "the stored PDF's SHA-256" in line and credential.issuance.document_sha256 in line


def test_an_edited_digital_credential_is_reported(lifecycle):
    credential = lifecycle.filter(status=CredentialStatus.ISSUED).first()
    entry = DigitalCredential.objects.get(credential=credential)
    entry.signed["credentialSubject"]["identifier"][0]["identityHash"] = "Mallory Forger"
    entry.save()

    output, code = _verify()

    assert code == 1
    assert f"{credential.number}: its digital credential's proof does not verify" in output


def test_a_parchment_number_set_by_hand_is_reported(lifecycle):
    from testamur.training.models import CourseEnrolment

    statement = lifecycle.filter(
        status=CredentialStatus.ISSUED, credential_type="statement_of_attainment"
    ).first()
    CourseEnrolment.objects.filter(pk=statement.course_enrolment_id).update(
        qual_issued=True, parchment_number=statement.number, issued_date=ISSUED_ON
    )

    output, code = _verify()

    assert code == 1
    expected = register_checks.FLAG_NOT_FINAL.format(enrolment=statement.course_enrolment_id)
    assert f"{statement.number}: {expected}" in output.splitlines()
