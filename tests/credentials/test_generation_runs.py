"""Merge documents / Regenerate runs: drafts, failures that do not stop the batch, recovery."""

from datetime import timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from testamur.credentials.models import (
    Credential,
    CredentialStatus,
    CredentialTemplateVersion,
    GenerationRun,
    RunChunk,
    RunItem,
    RunItemStatus,
    RunKind,
    RunStatus,
)
from testamur.credentials.run_chunks import runs_reclaim
from testamur.credentials.runs import run_start
from tests.credentials.helpers import completed_offer, requested, run
from tests.factories import template_make

pytestmark = pytest.mark.django_db


def test_merge_documents_generates_drafts_and_one_combined_pdf(
    rto_user, django_capture_on_commit_callbacks
):
    enrolments = completed_offer(4)
    credentials = requested(enrolments)
    preview_run, _ = run(rto_user, RunKind.PREVIEW, credentials, django_capture_on_commit_callbacks)
    assert preview_run.status == RunStatus.COMPLETED
    assert preview_run.done_count == 4
    for credential in Credential.objects.all():
        assert credential.status == CredentialStatus.GENERATED
        assert credential.number is None  # numbers are given at issue, never to previews
        with credential.draft.open("rb") as handle:
            text = PdfReader(handle).pages[0].extract_text()
        assert "PREVIEW" in text
    with preview_run.combined_pdf.open("rb") as handle:
        assert len(PdfReader(handle).pages) == 4


def test_a_broken_template_fails_its_credentials_and_the_rest_of_the_batch_continues(
    rto_user, django_capture_on_commit_callbacks
):
    enrolments = completed_offer(3)
    broken = template_make("statement_of_attainment", name="Broken SoA")
    CredentialTemplateVersion.objects.filter(template=broken).update(
        source='#let data = json(bytes(sys.inputs.at("data")))\n= #data.learner.usi'
    )
    bad = requested(enrolments[:1], template=broken)
    good = requested(enrolments[1:])
    preview_run, _ = run(rto_user, RunKind.PREVIEW, bad + good, django_capture_on_commit_callbacks)
    assert (preview_run.done_count, preview_run.failed_count) == (2, 1)
    assert preview_run.status == RunStatus.COMPLETED_WITH_ERRORS
    failed = Credential.objects.get(pk=bad[0].pk)
    assert failed.status == CredentialStatus.FAILED
    assert "usi" in failed.failure_message
    item = RunItem.objects.get(run=preview_run, credential=failed)
    assert item.status == RunItemStatus.FAILED and "usi" in item.message
    assert Credential.objects.filter(status=CredentialStatus.GENERATED).count() == 2


def test_regenerate_after_fixing_the_template(rto_user, django_capture_on_commit_callbacks):
    enrolments = completed_offer(1)
    template = template_make("statement_of_attainment")
    version = template.active_version
    good_source = version.source
    CredentialTemplateVersion.objects.filter(pk=version.pk).update(source="#let x = (")
    credentials = requested(enrolments, template=template)
    run(rto_user, RunKind.PREVIEW, credentials, django_capture_on_commit_callbacks)
    assert Credential.objects.get().status == CredentialStatus.FAILED
    CredentialTemplateVersion.objects.filter(pk=version.pk).update(source=good_source)
    regen, _ = run(rto_user, RunKind.REGENERATE, credentials, django_capture_on_commit_callbacks)
    credential = Credential.objects.get()
    assert regen.done_count == 1
    assert credential.status == CredentialStatus.GENERATED
    assert credential.failure_message == ""


def test_a_run_left_by_a_dead_worker_is_resumed_and_nothing_stays_generating(
    rto_user, django_capture_on_commit_callbacks
):
    enrolments = completed_offer(30)
    credentials = requested(enrolments)
    # Queued, then left: chunk 0's worker died holding it, chunk 1's task was lost.
    stuck, _ = run_start(actor=rto_user, kind=RunKind.PREVIEW, credentials=credentials)
    assert Credential.objects.filter(status=CredentialStatus.GENERATING).count() == 30
    an_hour_ago = timezone.now() - timedelta(hours=1)
    first = RunItem.objects.filter(run=stuck).order_by("position").first()
    RunItem.objects.filter(pk=first.pk).update(
        status=RunItemStatus.PROCESSING, claimed_at=an_hour_ago
    )
    RunChunk.objects.filter(run=stuck, number=0).update(
        owner="dead-worker", claims=1, heartbeat_at=an_hour_ago
    )
    RunChunk.objects.filter(run=stuck, number=1).update(heartbeat_at=an_hour_ago)
    GenerationRun.objects.filter(pk=stuck.pk).update(
        status=RunStatus.RUNNING, heartbeat_at=an_hour_ago
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert runs_reclaim() == [(stuck.pk, 0), (stuck.pk, 1)]

    stuck.refresh_from_db()
    assert stuck.status == RunStatus.COMPLETED
    assert stuck.done_count == 30
    assert not Credential.objects.filter(status=CredentialStatus.GENERATING).exists()


def test_a_fresh_run_is_not_taken_for_a_dead_one(rto_user):
    enrolments = completed_offer(2)
    run_start(actor=rto_user, kind=RunKind.PREVIEW, credentials=requested(enrolments))
    assert runs_reclaim() == []


def test_nothing_selected_is_a_clear_message(rto_user):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Select at least one credential"):
        run_start(actor=rto_user, kind=RunKind.PREVIEW, credentials=[])
