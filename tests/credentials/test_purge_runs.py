"""Retention: run files go after 7 days; the credentials' own drafts and documents never do."""

import html
import os
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from testamur.core.models import Event
from testamur.credentials.models import Credential, GenerationRun, RunKind
from testamur.credentials.retention import run_files_cutoff, run_files_purge
from testamur.credentials.tasks import purge_run_files
from tests.credentials.helpers import completed_offer, generated, issue, requested

pytestmark = pytest.mark.django_db


def _age(run: GenerationRun, days: int) -> None:
    GenerationRun.objects.filter(pk=run.pk).update(
        finished_at=timezone.now() - timedelta(days=days)
    )


def _exists(field_file) -> bool:
    return field_file.storage.exists(field_file.name)


@pytest.fixture
def issued_run(rto_admin, django_capture_on_commit_callbacks):
    """An issue run 10 days old with its print PDF and mail merge; its credentials issued."""
    credentials = requested(completed_offer(2))
    generated(rto_admin, credentials, django_capture_on_commit_callbacks)
    run, _ = issue(rto_admin, credentials, django_capture_on_commit_callbacks, mail_merge=True)
    _age(run, 10)
    run.refresh_from_db()
    return run


def test_old_run_files_are_deleted_and_credential_documents_are_kept(issued_run):
    combined, mail_merge = issued_run.combined_pdf, issued_run.mail_merge
    assert _exists(combined) and _exists(mail_merge)
    credentials = list(Credential.objects.filter(run_items__run=issued_run))
    assert all(_exists(c.document) and _exists(c.draft) for c in credentials)

    report = run_files_purge(older_than=run_files_cutoff())

    assert report.runs == [issued_run.pk]
    assert sorted(report.files) == sorted([combined.name, mail_merge.name])
    assert not _exists(combined) and not _exists(mail_merge)
    issued_run.refresh_from_db()
    assert issued_run.files_purged_at is not None
    assert not issued_run.combined_pdf and not issued_run.mail_merge
    for credential in credentials:
        credential.refresh_from_db()
        assert _exists(credential.document) and _exists(credential.draft)
    assert Event.objects.filter(
        subject_type="generation_run", subject_id=str(issued_run.pk), action="files_purged"
    ).exists()


def test_recent_runs_keep_their_files(rto_user, django_capture_on_commit_callbacks):
    credentials = requested(completed_offer(1))
    generated(rto_user, credentials, django_capture_on_commit_callbacks)
    run = GenerationRun.objects.get(kind=RunKind.PREVIEW)
    _age(run, 6)

    report = run_files_purge(older_than=run_files_cutoff())

    run.refresh_from_db()
    assert report.runs == []
    assert run.files_purged_at is None
    assert _exists(run.combined_pdf)


def test_dry_run_lists_and_changes_nothing(issued_run):
    report = run_files_purge(older_than=run_files_cutoff(), dry_run=True)

    assert report.runs == [issued_run.pk]
    assert report.summary().startswith("Would delete 2 file(s) of 1 run(s)")
    issued_run.refresh_from_db()
    assert issued_run.files_purged_at is None
    assert _exists(issued_run.combined_pdf)


def test_stray_run_files_no_run_refers_to_go_too(issued_run):
    stray = GenerationRun._meta.get_field("combined_pdf").storage
    name = stray.save("runs/left-over.pdf", ContentFile(b"%PDF-1.7"))
    old = (timezone.now() - timedelta(days=30)).timestamp()
    path = stray.path(name)
    os.utime(path, (old, old))

    report = run_files_purge(older_than=run_files_cutoff())

    assert report.stray_files == [name]
    assert not stray.exists(name)


def test_command_prints_what_it_did_and_takes_days_and_dry_run(issued_run, capsys):
    call_command("purge_runs", "--days", "30")
    assert "Deleted 0 file(s) of 0 run(s)" in capsys.readouterr().out

    call_command("purge_runs", "--dry-run")
    out = capsys.readouterr().out
    assert "Would delete 2 file(s) of 1 run(s)" in out
    assert issued_run.combined_pdf.name in out

    call_command("purge_runs")
    assert "Deleted 2 file(s) of 1 run(s)" in capsys.readouterr().out
    issued_run.refresh_from_db()
    assert issued_run.files_purged_at is not None


def test_the_task_purges_the_same_way(issued_run):
    result = purge_run_files.enqueue()

    assert "Deleted 2 file(s) of 1 run(s)" in result.return_value
    issued_run.refresh_from_db()
    assert issued_run.files_purged_at is not None


def test_run_page_says_when_the_files_were_purged(issued_run, rto_admin_client):
    run_files_purge(older_than=run_files_cutoff())
    issued_run.refresh_from_db()

    response = rto_admin_client.get(reverse("credentials:run_detail", args=[issued_run.pk]))

    text = html.unescape(response.content.decode())
    purged_on = timezone.localtime(issued_run.files_purged_at).strftime("%d/%m/%Y")
    assert f"Files purged on {purged_on}" in text
    assert reverse("credentials:run_file", args=[issued_run.pk]) not in text
