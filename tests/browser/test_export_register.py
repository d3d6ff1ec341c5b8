"""An Admin starts an XLSX export of the register, watches its progress finish on the export
page (htmx polling, as a run page does) and downloads the file."""

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from testamur.accounts.roles import Role
from testamur.reports import exports
from testamur.reports.models import ExportStatus, RegisterExport
from testamur.reports.register_exports import register_export_write
from testamur.reports.selectors import HEADINGS
from tests.factories import course_make, offer_make, organisation_configured
from tests.reports.helpers import register_entry


@pytest.mark.django_db(transaction=True)
def test_export_register_and_watch_it_finish(
    page, sign_in, make_user, settings, monkeypatch, tmp_path
):
    make_user(Role.ADMIN, "alex", first_name="Alex", last_name="Admin")
    organisation_configured()
    offer = offer_make(course_make("BSB40120", title="Certificate IV in Business"), code="T1")
    entries = [register_entry(offer, given_name=f"Learner{i}") for i in range(4)]
    # No worker yet: the export waits queued while its page polls, then the worker writes it.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    monkeypatch.setattr(exports, "XLSX_PROGRESS_EVERY", 1)

    sign_in("alex")
    page.goto("/reports/register/?group=offer")
    page.get_by_role("button", name="XLSX").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Register export (XLSX)")
    progress = page.locator("#export-progress")
    expect(progress).to_contain_text("Queued")
    expect(progress).to_contain_text("this page updates by itself")
    export = RegisterExport.objects.get()
    assert export.status == ExportStatus.QUEUED

    register_export_write(export_id=export.pk)

    expect(progress).to_contain_text("Done")
    expect(progress).to_contain_text("4 of 4 rows written")
    expect(page.get_by_role("progressbar")).to_have_attribute("value", "100")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download credential-register-by-offer-").click()
    download = download_info.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    rows = list(load_workbook(target, read_only=True).active.values)
    assert list(rows[0]) == HEADINGS
    assert [row[0] for row in rows[1:]] == [entry.number for entry in entries]
    page.goto("/reports/register/exports/")
    expect(page.locator(".export-table")).to_contain_text(download.suggested_filename)
