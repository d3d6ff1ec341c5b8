"""A register export that fails says why, and one whose worker stopped says so and can be
started again: an export is never left "running" with nobody writing it."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl.worksheet._writer import ALL_TEMP_FILES

from testamur.accounts.roles import Role
from testamur.reports import exports
from testamur.reports.models import ExportStatus, RegisterExport
from testamur.reports.register_exports import (
    EXPORT_STALE_AFTER,
    EXPORT_STOPPED,
    EXPORT_WAITING,
    register_export_write,
)
from tests.factories import course_make, offer_make, organisation_configured
from tests.reports.helpers import XLSX_START, register_entry

pytestmark = pytest.mark.django_db
MINUTES = int(EXPORT_STALE_AFTER.total_seconds() // 60)


@pytest.fixture
def admin(make_user):
    organisation_configured()
    offer = offer_make(course_make("BSB40120"), code="BSB40120-T1")
    register_entry(offer, given_name="Ann")
    register_entry(offer, given_name="Ben")
    user = make_user(Role.ADMIN)
    client = Client()
    client.force_login(user)
    return {"user": user, "client": client, "offer": offer}


def test_a_failed_export_shows_the_reason_and_starts_again(
    admin, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(exports, "xlsx_write", broken)
    with django_capture_on_commit_callbacks(execute=True):
        page_url = admin["client"].post(f"{XLSX_START}?group=course")["Location"]

    export = RegisterExport.objects.get()
    assert export.status == ExportStatus.FAILED
    assert export.finished_at is not None
    html = admin["client"].get(page_url).content.decode()
    assert "The export could not be written: OSError: No space left on device" in html
    no_file = admin["client"].get(f"/reports/register/exports/{export.pk}/file/")
    assert no_file.status_code == 404
    assert "This export has no file: it is failed." in no_file.content.decode()

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        again = admin["client"].post(f"/reports/register/exports/{export.pk}/again/")
    newer = RegisterExport.objects.exclude(pk=export.pk).get()
    assert again["Location"] == f"/reports/register/exports/{newer.pk}/"
    assert newer.status == ExportStatus.DONE
    assert newer.query == "group=course"
    assert newer.rows_done == 2


def test_filters_that_no_longer_apply_fail_with_the_reason(admin):
    export = RegisterExport.objects.create(
        requested_by=admin["user"], query="offer=999999", filename="x.xlsx"
    )

    register_export_write(export_id=export.pk)

    export.refresh_from_db()
    assert export.status == ExportStatus.FAILED
    assert export.error.startswith("The report's filters no longer apply:")


def _running(admin, *, minutes_ago: int) -> RegisterExport:
    export = RegisterExport.objects.create(
        requested_by=admin["user"],
        query="group=offer",
        status=ExportStatus.RUNNING,
        rows_done=1,
        rows_total=2,
    )
    beat = timezone.now() - timedelta(minutes=minutes_ago)
    RegisterExport.objects.filter(pk=export.pk).update(started_at=beat, heartbeat_at=beat)
    return export


def test_an_export_still_moving_is_not_called_stopped(admin):
    export = _running(admin, minutes_ago=1)

    html = admin["client"].get(f"/reports/register/exports/{export.pk}/").content.decode()

    assert "Stopped" not in html
    assert "Start again" not in html
    admin["client"].post(f"/reports/register/exports/{export.pk}/again/")
    assert RegisterExport.objects.count() == 1


def test_an_export_whose_worker_died_says_so_and_starts_again(
    admin, django_capture_on_commit_callbacks
):
    export = _running(admin, minutes_ago=MINUTES + 1)

    html = admin["client"].get(f"/reports/register/exports/{export.pk}/").content.decode()
    assert "Stopped — start again" in html
    assert EXPORT_STOPPED.format(minutes=MINUTES) in html

    with django_capture_on_commit_callbacks(execute=True):
        admin["client"].post(f"/reports/register/exports/{export.pk}/again/")

    export.refresh_from_db()
    assert export.status == ExportStatus.FAILED
    assert export.error == EXPORT_STOPPED.format(minutes=MINUTES)
    newer = RegisterExport.objects.exclude(pk=export.pk).get()
    assert newer.status == ExportStatus.DONE
    # A late word from the dead worker changes nothing: the export is no longer running.
    assert register_export_write(export_id=export.pk).status == ExportStatus.FAILED


def test_an_export_no_worker_took_says_to_check_the_worker(admin):
    export = RegisterExport.objects.create(requested_by=admin["user"], query="group=offer")
    RegisterExport.objects.filter(pk=export.pk).update(
        created_at=timezone.now() - timedelta(minutes=MINUTES + 1)
    )

    html = admin["client"].get(f"/reports/register/exports/{export.pk}/").content.decode()

    assert EXPORT_WAITING.format(minutes=MINUTES) in html
    assert "Start again" in html


def test_a_worker_whose_export_was_given_up_stops_and_keeps_no_file(admin, monkeypatch, settings):
    export = RegisterExport.objects.create(
        requested_by=admin["user"], query="group=offer", filename="late.xlsx"
    )
    write = exports.xlsx_write

    def given_up_meanwhile(*args, **kwargs):
        # Someone pressed "Start again" while this worker was still writing.
        RegisterExport.objects.filter(pk=export.pk).update(
            status=ExportStatus.FAILED, error=EXPORT_STOPPED.format(minutes=MINUTES)
        )
        return write(*args, **kwargs)

    monkeypatch.setattr(exports, "xlsx_write", given_up_meanwhile)
    monkeypatch.setattr(exports, "XLSX_PROGRESS_EVERY", 1)

    register_export_write(export_id=export.pk)

    export.refresh_from_db()
    assert export.status == ExportStatus.FAILED
    assert export.error == EXPORT_STOPPED.format(minutes=MINUTES)
    assert export.rows_done == 0
    folder = settings.MEDIA_ROOT / "exports"
    assert not folder.exists() or list(folder.iterdir()) == []
    # Nor a half-written sheet left in the worker's temporary folder.
    assert ALL_TEMP_FILES == []
