"""Issuing: numbers, signed and certified documents, final qualification, gates, idempotence."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from pypdf import PdfReader

from testamur.credentials.models import (
    Credential,
    CredentialStatus,
    GenerationRun,
    RunKind,
    RunStatus,
)
from testamur.learners.models import UsiStatus
from testamur.organisation.pdf_signing import Signer
from testamur.organisation.signing_keys import signer_for_process
from tests.credentials.helpers import completed_offer, generated, issue, requested, run

pytestmark = pytest.mark.django_db


def _text(field_file) -> str:
    with field_file.open("rb") as handle:
        return "\n".join(page.extract_text() for page in PdfReader(handle).pages)


def test_issue_numbers_signs_and_stores_each_credential(
    rto_admin, django_capture_on_commit_callbacks
):
    enrolments = completed_offer(3)
    credentials = generated(rto_admin, requested(enrolments), django_capture_on_commit_callbacks)
    assert {c.status for c in credentials} == {CredentialStatus.GENERATED}

    issue_run, _ = issue(rto_admin, credentials, django_capture_on_commit_callbacks)

    assert issue_run.status == RunStatus.COMPLETED
    assert (issue_run.done_count, issue_run.failed_count) == (3, 0)
    issued = list(Credential.objects.filter(pk__in=[c.pk for c in credentials]).order_by("number"))
    assert [c.number for c in issued] == ["TM-000001", "TM-000002", "TM-000003"]
    signer = signer_for_process()
    for credential in issued:
        assert credential.status == CredentialStatus.ISSUED
        assert len(credential.verification_code) >= 22
        text = _text(credential.document)
        assert credential.number in text
        assert credential.learner.full_name in text
        assert "PREVIEW" not in text
        with credential.document.open("rb") as handle:
            report = signer.validate(handle.read())
        assert report.valid and report.certified and report.docmdp_no_changes


def test_final_qualification_sets_the_enrolment_flag_and_parchment_number(
    rto_admin, django_capture_on_commit_callbacks
):
    enrolments = completed_offer(2)
    credentials = generated(
        rto_admin, requested(enrolments, "testamur"), django_capture_on_commit_callbacks
    )
    issued_on = timezone.localdate() - timedelta(days=3)
    issue(
        rto_admin,
        credentials,
        django_capture_on_commit_callbacks,
        final_qualification=True,
        issued_on=issued_on,
    )
    for enrolment in enrolments:
        enrolment.refresh_from_db()
        credential = enrolment.credentials.get()
        assert enrolment.qual_issued is True
        assert enrolment.parchment_number == credential.number
        assert enrolment.issued_date == issued_on


def test_cancelling_a_final_qualification_takes_the_flag_back(
    rto_admin, django_capture_on_commit_callbacks
):
    from testamur.credentials.services import credential_cancel

    (enrolment,) = completed_offer(1)
    credentials = generated(
        rto_admin, requested([enrolment], "testamur"), django_capture_on_commit_callbacks
    )
    issue(rto_admin, credentials, django_capture_on_commit_callbacks, final_qualification=True)
    credential_cancel(actor=rto_admin, credential=credentials[0], reason="Name misspelt")
    enrolment.refresh_from_db()
    assert (enrolment.qual_issued, enrolment.parchment_number) == (False, "")


def test_issue_skips_failing_gates_and_issues_the_rest(
    rto_admin, django_capture_on_commit_callbacks
):
    enrolments = completed_offer(4)
    unverified = enrolments[0].learner
    unverified.usi_status = UsiStatus.NOT_SUPPLIED
    unverified.usi = None
    unverified.usi_verified_on = None
    unverified.save()
    credentials = generated(rto_admin, requested(enrolments), django_capture_on_commit_callbacks)
    issue_run, outcome = issue(rto_admin, credentials, django_capture_on_commit_callbacks)
    assert issue_run.done_count == 3
    summary = outcome.summary()
    assert summary.startswith("3 queued, 1 skipped: ")
    assert "USI not verified" in summary
    assert Credential.objects.get(learner=unverified).status == CredentialStatus.GENERATED


def test_statement_without_competent_units_is_explained_not_issued(
    rto_admin, django_capture_on_commit_callbacks
):
    from tests.factories import enrolment_make

    (done,) = completed_offer(1)
    enrolment = enrolment_make(offer=done.offer)  # every unit still 70 (continuing)
    credentials = generated(rto_admin, requested([enrolment]), django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError) as refused:
        issue(rto_admin, credentials, django_capture_on_commit_callbacks)
    message = " ".join(refused.value.messages)
    assert message.startswith("No run started: none of the selected credentials can be issued.")
    assert "No competent units — outcomes 20, 51, 60 required" in message
    assert not GenerationRun.objects.filter(kind=RunKind.ISSUE).exists()


def test_issuing_twice_never_issues_twice(rto_admin, django_capture_on_commit_callbacks):
    enrolments = completed_offer(2)
    credentials = generated(rto_admin, requested(enrolments), django_capture_on_commit_callbacks)
    issue(rto_admin, credentials, django_capture_on_commit_callbacks)
    numbers = sorted(Credential.objects.values_list("number", flat=True))
    with pytest.raises(ValidationError, match="Already issued"):
        issue(rto_admin, credentials, django_capture_on_commit_callbacks)
    assert GenerationRun.objects.filter(kind=RunKind.ISSUE).count() == 1
    assert sorted(Credential.objects.values_list("number", flat=True)) == numbers


def test_the_print_version_has_every_issued_document_and_the_mail_merge_every_row(
    rto_admin, django_capture_on_commit_callbacks
):
    from openpyxl import load_workbook

    enrolments = completed_offer(5)
    credentials = generated(rto_admin, requested(enrolments), django_capture_on_commit_callbacks)
    issue_run, _ = issue(
        rto_admin, credentials, django_capture_on_commit_callbacks, mail_merge=True
    )
    with issue_run.combined_pdf.open("rb") as handle:
        reader = PdfReader(handle)
        assert len(reader.pages) == 5
        assert "do not send digitally" in (reader.metadata.subject or "")
        numbers_in_print = "\n".join(p.extract_text() for p in reader.pages)
    with issue_run.mail_merge.open("rb") as handle:
        rows = list(load_workbook(handle, read_only=True).active.iter_rows(values_only=True))
    assert rows[0][0] == "Credential number"
    assert len(rows) == 6
    issued_numbers = set(Credential.objects.values_list("number", flat=True))
    assert {row[0] for row in rows[1:]} == issued_numbers
    assert all(number in numbers_in_print for number in issued_numbers)


def test_a_user_cannot_start_an_issue_run(rto_user, django_capture_on_commit_callbacks):
    from django.core.exceptions import PermissionDenied

    enrolments = completed_offer(1)
    with pytest.raises(PermissionDenied):
        run(rto_user, RunKind.ISSUE, requested(enrolments), django_capture_on_commit_callbacks)


def test_uploaded_pkcs12_key_signs_the_documents(
    rto_admin, owner, django_capture_on_commit_callbacks
):
    from testamur.organisation.signing_keys import signing_key_install

    data, passphrase = Signer.generate_self_signed("Harbour City Credentials", "Harbour City")
    signing_key_install(actor=owner, pkcs12_data=data, passphrase=passphrase)
    enrolments = completed_offer(1)
    credentials = generated(rto_admin, requested(enrolments), django_capture_on_commit_callbacks)
    issue(rto_admin, credentials, django_capture_on_commit_callbacks)
    credential = Credential.objects.get()
    with credential.document.open("rb") as handle:
        report = signer_for_process().validate(handle.read())
    assert report.valid
    assert report.signer_name == "Harbour City Credentials"
