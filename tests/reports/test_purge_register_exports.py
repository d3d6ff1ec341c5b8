"""Register export files are personal data kept as working copies: `purge_runs` deletes them
with the run files, 7 days after the export finished, and the export page then says so."""

import os
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from testamur.accounts.roles import Role
from testamur.core.models import Event
from testamur.reports.models import RegisterExport
from tests.factories import course_make, offer_make, organisation_configured
from tests.reports.helpers import XLSX_START, register_entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_and_exports(make_user, django_capture_on_commit_callbacks):
    organisation_configured()
    register_entry(offer_make(course_make("BSB40120"), code="BSB40120-T1"), given_name="Ann")
    client = Client()
    client.force_login(make_user(Role.ADMIN))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{XLSX_START}?group=offer")
        client.post(f"{XLSX_START}?group=course")
    old, recent = RegisterExport.objects.order_by("pk")
    RegisterExport.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(days=8))
    return client, old, recent


def test_purge_runs_deletes_old_export_files_and_keeps_recent_ones(client_and_exports, capsys):
    client, old, recent = client_and_exports
    storage = old.file.storage
    assert storage.exists(old.file.name)

    call_command("purge_runs")

    assert "1 file(s) of 1 register export(s)" in capsys.readouterr().out
    assert not storage.exists(old.file.name)
    assert storage.exists(recent.file.name)
    old.refresh_from_db()
    assert old.file.name == ""
    assert old.files_purged_at is not None
    assert Event.objects.filter(
        subject_type="register_export", subject_id=str(old.pk), action="files_purged"
    ).exists()
    html = client.get(f"/reports/register/exports/{old.pk}/").content.decode()
    assert "The file was deleted on" in html
    assert client.get(f"/reports/register/exports/{old.pk}/file/").status_code == 404
    assert client.get(f"/reports/register/exports/{recent.pk}/file/").status_code == 200


def test_a_dry_run_deletes_nothing(client_and_exports, capsys):
    _, old, _ = client_and_exports

    call_command("purge_runs", "--dry-run")

    assert old.file.name in capsys.readouterr().out
    assert old.file.storage.exists(old.file.name)


def test_an_export_file_no_export_holds_goes_once_old(client_and_exports):
    _, old, _ = client_and_exports
    name = old.file.name
    RegisterExport.objects.filter(pk=old.pk).update(file="")
    old_time = (timezone.now() - timedelta(days=8)).timestamp()
    os.utime(old.file.storage.path(name), (old_time, old_time))

    call_command("purge_runs")

    assert not old.file.storage.exists(name)
