"""A qualification enrolment's status follows its testamur and record of results: Generating
Credential → Awaiting Issue → Credential Issued, Credential Failed to Generate, and Withdrawn
when the testamur is cancelled."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from testamur.core.models import Event
from testamur.credentials.gates import QUALIFICATION_AUDIT_NOT_PASSED, gates_for
from testamur.credentials.models import (
    Credential,
    CredentialStatus,
    CredentialTemplate,
    CredentialTemplateVersion,
    CredentialType,
    RunKind,
    TemplateVersionState,
)
from testamur.credentials.qualification_requests import credential_request_for_qualification
from testamur.credentials.services import credential_cancel, credential_delete, credential_reissue
from testamur.qualifications.models import QualificationStatus
from testamur.training.services import unit_enrolment_update
from tests.credentials.helpers import generated, issue, run
from tests.factories import (
    learner_make,
    organisation_configured,
    outcome,
    qualification_enrolment_make,
)
from tests.qualifications.helpers import AGEING, CORE, OTHER, achieve, individual_support

pytestmark = pytest.mark.django_db

Status = QualificationStatus


@pytest.fixture
def ready():
    """Ageing major achieved: Ready to be Requested."""
    organisation_configured()
    chc = individual_support()
    learner = learner_make(given_name="Mele", family_name="Tupou")
    achieve(learner, CORE + AGEING + OTHER[:3])
    enrolment = qualification_enrolment_make(learner, chc, major="Ageing")
    assert enrolment.status == Status.READY
    return enrolment


def request(actor, enrolment, **options):
    return credential_request_for_qualification(
        actor=actor,
        qualification_enrolment=enrolment,
        credential_date=date(2026, 11, 20),
        generate=False,
        **options,
    )


def status_of(enrolment) -> str:
    enrolment.refresh_from_db()
    return enrolment.status


def text(field_file) -> str:
    with field_file.open("rb") as handle:
        return "\n".join(page.extract_text() for page in PdfReader(handle).pages)


def test_request_generate_issue_then_cancel_the_testamur(
    rto_admin, ready, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    credentials = request(rto_admin, ready)
    assert sorted(c.credential_type for c in credentials) == [
        CredentialType.RECORD_OF_RESULTS,
        CredentialType.TESTAMUR,
    ]
    assert {c.qualification_enrolment_id for c in credentials} == {ready.pk}
    assert status_of(ready) == Status.GENERATING

    credentials = generated(rto_admin, credentials, capture)
    assert {c.status for c in credentials} == {CredentialStatus.GENERATED}
    assert status_of(ready) == Status.AWAITING_ISSUE

    issue(rto_admin, credentials, capture)
    issued = {
        c.credential_type: c for c in Credential.objects.filter(qualification_enrolment=ready)
    }
    assert {c.status for c in issued.values()} == {CredentialStatus.ISSUED}
    assert status_of(ready) == Status.ISSUED

    testamur_text = text(issued[CredentialType.TESTAMUR].document)
    assert "CHC33021" in testamur_text and "Ageing" in testamur_text
    record_text = text(issued[CredentialType.RECORD_OF_RESULTS].document)
    for code in (*CORE, *AGEING, *OTHER[:3]):
        assert code in record_text

    credential_cancel(
        actor=rto_admin, credential=issued[CredentialType.TESTAMUR], reason="Issued in error"
    )
    assert status_of(ready) == Status.WITHDRAWN
    assert issued[CredentialType.RECORD_OF_RESULTS].status == CredentialStatus.ISSUED
    steps = list(
        Event.objects.filter(
            subject_type="qualification_enrolment", subject_id=str(ready.pk)
        ).values_list("to_state", flat=True)
    )
    assert [s for s in steps if s and s != "ready" and s != "not_yet_achieved"] == [
        Status.GENERATING,
        Status.AWAITING_ISSUE,
        Status.ISSUED,
        Status.WITHDRAWN,
    ]


def test_requesting_starts_generation_so_the_enrolment_awaits_issue(
    rto_user, ready, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        credential_request_for_qualification(
            actor=rto_user, qualification_enrolment=ready, credential_date=date(2026, 11, 20)
        )
    assert status_of(ready) == Status.AWAITING_ISSUE


def test_a_credential_that_fails_to_generate_shows_on_the_enrolment(
    rto_admin, ready, django_capture_on_commit_callbacks
):
    broken = CredentialTemplate.objects.create(
        name="Broken testamur", credential_type=CredentialType.TESTAMUR
    )
    CredentialTemplateVersion.objects.create(
        template=broken, number=1, source="#let x = (", state=TemplateVersionState.ACTIVE
    )
    credentials = request(rto_admin, ready, testamur_template=broken)
    run(rto_admin, RunKind.PREVIEW, credentials, django_capture_on_commit_callbacks)
    assert status_of(ready) == Status.FAILED
    assert Credential.objects.get(template=broken).status == CredentialStatus.FAILED


def test_deleting_the_requests_makes_the_enrolment_ready_again(rto_admin, ready):
    for credential in request(rto_admin, ready):
        credential_delete(actor=rto_admin, credential=credential)
    assert status_of(ready) == Status.READY


def test_reissuing_the_testamur_keeps_the_enrolment_on_its_way(
    rto_admin, ready, django_capture_on_commit_callbacks
):
    credentials = generated(
        rto_admin, request(rto_admin, ready), django_capture_on_commit_callbacks
    )
    issue(rto_admin, credentials, django_capture_on_commit_callbacks)
    testamur = Credential.objects.get(
        qualification_enrolment=ready, credential_type=CredentialType.TESTAMUR
    )
    replacement = credential_reissue(actor=rto_admin, credential=testamur, reason="Name misspelt")
    assert replacement.qualification_enrolment_id == ready.pk
    assert replacement.replaces_id == testamur.pk
    assert status_of(ready) == Status.GENERATING


def test_a_credential_is_not_issued_once_the_audit_no_longer_passes(
    rto_admin, ready, django_capture_on_commit_callbacks
):
    credentials = generated(
        rto_admin, request(rto_admin, ready), django_capture_on_commit_callbacks
    )
    assert gates_for(credentials[0]).ok

    # An outcome entered wrongly is corrected: the learner no longer meets the rule.
    unit_enrolment = ready.learner.course_enrolments.first().unit_enrolments.first()
    unit_enrolment_update(
        unit_enrolment=unit_enrolment, actor=rto_admin, data={"outcome": outcome("30")}
    )
    ready.refresh_from_db()
    assert ready.status == Status.AWAITING_ISSUE  # the credentials exist; the audit moved on
    blockers = gates_for(Credential.objects.get(pk=credentials[0].pk)).blockers
    assert QUALIFICATION_AUDIT_NOT_PASSED.format(outcome="No Majors Achieved") in blockers

    with pytest.raises(ValidationError, match="Qualification audit not passed"):
        issue(rto_admin, credentials, django_capture_on_commit_callbacks)
    assert not Credential.objects.filter(
        qualification_enrolment=ready, status=CredentialStatus.ISSUED
    ).exists()


def test_after_cancel_and_reissue_the_enrolment_follows_the_replacement(
    rto_admin, rto_admin_client, ready, django_capture_on_commit_callbacks
):
    """Issue 15, reproduction 4: the replacement is generated at once, so the enrolment does
    not stay on Generating Credential while nothing generates."""
    capture = django_capture_on_commit_callbacks
    issue(rto_admin, generated(rto_admin, request(rto_admin, ready), capture), capture)
    testamur = Credential.objects.get(
        qualification_enrolment=ready, credential_type=CredentialType.TESTAMUR
    )
    rto_admin_client.post(
        reverse("credentials:cancel", args=[testamur.pk]), {"reason": "Name misspelt"}
    )
    assert status_of(ready) == Status.WITHDRAWN

    with capture(execute=True):
        response = rto_admin_client.post(
            reverse("credentials:reissue", args=[testamur.pk]),
            {"credential_date": "2026-11-30"},
        )

    replacement = Credential.objects.get(replaces=testamur)
    assert response["Location"] == reverse("credentials:detail", args=[replacement.pk])
    assert replacement.status == CredentialStatus.GENERATED
    assert status_of(ready) == Status.AWAITING_ISSUE
    issue(rto_admin, [replacement], capture)
    assert status_of(ready) == Status.ISSUED


def test_regenerating_a_failed_testamur_moves_the_enrolment_on_at_once(
    rto_admin, rto_admin_client, ready, django_capture_on_commit_callbacks
):
    """Issue 15, reproduction 4: the run's start moves the enrolment to Generating
    Credential, before any document is rendered."""
    broken = CredentialTemplate.objects.create(
        name="Broken testamur", credential_type=CredentialType.TESTAMUR
    )
    version = CredentialTemplateVersion.objects.create(
        template=broken, number=1, source="#let x = (", state=TemplateVersionState.ACTIVE
    )
    credentials = request(rto_admin, ready, testamur_template=broken)
    run(rto_admin, RunKind.PREVIEW, credentials, django_capture_on_commit_callbacks)
    assert status_of(ready) == Status.FAILED
    version.source = CredentialTemplateVersion.objects.get(
        template__is_builtin=True, template__credential_type=CredentialType.TESTAMUR
    ).source
    version.save()
    failed = Credential.objects.get(template=broken)

    with django_capture_on_commit_callbacks(execute=False):
        rto_admin_client.post(
            reverse("credentials:regenerate", args=[failed.pk]), {"revision": failed.revision}
        )

    failed.refresh_from_db()
    assert failed.status == CredentialStatus.GENERATING
    assert status_of(ready) == Status.GENERATING
    page = rto_admin_client.get(reverse("qualifications:enrolment_detail", args=[ready.pk]))
    assert "Generating Credential" in page.content.decode()
