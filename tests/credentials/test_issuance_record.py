"""The issuance record (DESIGN.md rule 9): frozen in the transaction that gives the number,
the document rendered from it, completed with the signed PDF's SHA-256 at issue, and never
changed after. A failed issue attempt leaves a pending record a later attempt refreshes (same
number). Credentials issued before records existed get one reconstructed by the migration."""

import hashlib
import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from testamur.credentials.issue_options import IssueOptions
from testamur.credentials.issuing import credential_issue
from testamur.credentials.models import (
    Credential,
    CredentialIssuance,
    CredentialStatus,
    IssuanceFrozen,
)
from testamur.credentials.rendering.content_check import pdf_text
from testamur.organisation import signing_keys
from testamur.organisation.models import SigningKey
from tests.credentials.helpers import completed_offer, generated, requested
from tests.factories import credential_make
from tests.verification.helpers import one_issued

pytestmark = pytest.mark.django_db

ISSUED_ON = timezone.localdate() - timedelta(days=1)


def test_the_record_holds_what_the_document_says(rto_admin, django_capture_on_commit_callbacks):
    credential = one_issued(rto_admin, django_capture_on_commit_callbacks)
    record = CredentialIssuance.objects.get(credential=credential)
    with credential.document.open("rb") as handle:
        pdf = handle.read()
    text = pdf_text(pdf)

    assert record.document_sha256 == hashlib.sha256(pdf).hexdigest()
    assert (record.number, record.verification_code) == (
        credential.number,
        credential.verification_code,
    )
    assert record.learner_full_name == "Mia Rose Nguyen" and record.learner_full_name in text
    assert [u["code"] for u in record.units] == ["BSBOPS404", "BSBWHS411"]
    assert all(u["code"] in text for u in record.units)
    assert (record.course_code, record.course_title) == ("BSB40120", "Certificate IV in Business")
    assert record.organisation["name"] == "Harbour City Training"
    assert [s["name"] for s in record.signatories] == ["Jane Citizen"]
    assert record.template_version == credential.template_version
    assert (record.issued_on, record.issued_by) == (credential.issued_on, rto_admin)
    assert not record.reconstructed


def test_a_failed_attempt_keeps_the_number_and_the_next_one_refreshes_the_record(
    rto_admin, django_capture_on_commit_callbacks, monkeypatch
):
    (credential,) = generated(
        rto_admin, requested(completed_offer(1)), django_capture_on_commit_callbacks
    )
    key = signing_keys.active_signing_key()
    good = bytes(key.passphrase_encrypted)
    # The PDF signing key cannot be unlocked: rendering works, signing fails.
    SigningKey.objects.update(passphrase_encrypted=b"not the passphrase")
    monkeypatch.setattr(signing_keys, "_cache", {})

    status, message = credential_issue(
        actor=rto_admin, credential=credential, options=IssueOptions(issued_on=ISSUED_ON)
    )

    assert status == "failed" and "signing key can no longer be unlocked" in message
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.GENERATED and credential.number
    pending = CredentialIssuance.objects.get(credential=credential)
    assert pending.document_sha256 == "" and pending.number == credential.number
    learner = credential.learner
    learner.family_name = "Corrected"
    learner.save()
    SigningKey.objects.update(passphrase_encrypted=good)

    assert (
        credential_issue(
            actor=rto_admin, credential=credential, options=IssueOptions(issued_on=ISSUED_ON)
        )[0]
        == "done"
    )

    record = CredentialIssuance.objects.get(credential=credential)
    assert record.pk == pending.pk and record.number == pending.number
    assert record.learner_family_name == "Corrected" and record.document_sha256
    credential.refresh_from_db()
    with credential.document.open("rb") as handle:
        assert "Corrected" in pdf_text(handle.read())


def test_a_completed_record_never_changes(rto_admin, django_capture_on_commit_callbacks):
    credential = one_issued(rto_admin, django_capture_on_commit_callbacks)
    record = CredentialIssuance.objects.get(credential=credential)

    record.learner_full_name = "Someone Else"
    with pytest.raises(IssuanceFrozen):
        record.save()
    with pytest.raises(IssuanceFrozen):
        CredentialIssuance.objects.filter(pk=record.pk).update(learner_full_name="Someone Else")
    with pytest.raises(IssuanceFrozen):
        record.delete()
    with pytest.raises(IssuanceFrozen):
        CredentialIssuance.objects.all().delete()
    record.refresh_from_db()
    assert record.learner_full_name == "Mia Rose Nguyen"


def test_reprint_refuses_a_stored_document_that_is_not_the_one_issued(
    rto_admin, rto_admin_client, django_capture_on_commit_callbacks
):
    credential = one_issued(rto_admin, django_capture_on_commit_callbacks)
    url = reverse("credentials:reprint", args=[credential.pk])
    assert rto_admin_client.get(url).status_code == 200
    with credential.document.open("wb") as handle:
        handle.write(b"%PDF-1.7 a forged document")

    response = rto_admin_client.get(url)

    assert response.status_code == 409
    assert "does not match the fingerprint recorded when it was issued" in (
        response.content.decode()
    )


def test_the_migration_reconstructs_records_of_credentials_issued_before_them(
    rto_admin, rto_admin_client
):
    """Issued before issuance records existed: the register row, nothing else."""
    (enrolment,) = completed_offer(1)
    credential = credential_make(enrolment)
    Credential.objects.filter(pk=credential.pk).update(
        status=CredentialStatus.ISSUED,
        number="TM-000777",
        verification_code="reconstructed-code-1",
        issued_on=ISSUED_ON,
        issued_at=timezone.now(),
        document="credentials/issued/TM-000777.pdf",
        document_sha256="ab" * 32,
    )
    migration = importlib.import_module(
        "testamur.credentials.migrations.0008_issuance_reconstructed"
    )

    migration.reconstruct(apps, None)

    record = CredentialIssuance.objects.get(credential=credential)
    assert record.reconstructed
    assert (record.number, record.document_sha256, record.issued_on) == (
        "TM-000777",
        "ab" * 32,
        ISSUED_ON,
    )
    assert record.learner_full_name == enrolment.learner.full_name
    assert [u["code"] for u in record.units] == sorted(
        ue.unit.code for ue in enrolment.unit_enrolments.all()
    )
    page = rto_admin_client.get(reverse("credentials:detail", args=[credential.pk]))
    assert "Reconstructed: recorded after issue" in page.content.decode()
    # Running it again adds nothing.
    migration.reconstruct(apps, None)
    assert CredentialIssuance.objects.count() == 1
