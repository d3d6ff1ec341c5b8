"""An Admin exports the register as XLSX: the export runs in the background, its page shows the
progress and then the file, which holds exactly the report's rows."""

import io

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from testamur.accounts.roles import Role
from testamur.reports import exports
from testamur.reports.models import ExportStatus, RegisterExport
from testamur.reports.selectors import HEADINGS, ReportFilters, register_report_values
from tests.factories import course_make, offer_make, organisation_configured
from tests.reports.helpers import XLSX_START, register_entry

pytestmark = pytest.mark.django_db

FORMULA_NAME = '=HYPERLINK("http://x.y","Open")'


@pytest.fixture
def offers():
    organisation_configured()
    course = course_make("BSB40120", title="Certificate IV in Business")
    first, second = offer_make(course, code="BSB40120-T1"), offer_make(course, code="BSB40120-T2")
    for index in range(3):
        register_entry(first, given_name=f"Ann{index}", family_name="First")
    register_entry(second, given_name=FORMULA_NAME, family_name="Second")
    return {"first": first, "second": second}


@pytest.fixture
def admin_client(rto_admin):
    client = Client()
    client.force_login(rto_admin)
    client.user = rto_admin
    return client


def _start(client, django_capture_on_commit_callbacks, query: str = ""):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{XLSX_START}?{query}")
    assert response.status_code == 302
    return response["Location"]


def _rows(content: bytes) -> tuple[list[str], list[list]]:
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    rows = []
    for sheet in workbook.worksheets:
        if sheet.title != exports.CHECKPOINT_SHEET:
            rows += [[cell if cell is not None else "" for cell in row] for row in sheet.values]
    return workbook.sheetnames, rows


def test_the_register_page_offers_the_export_as_a_form_with_csrf(admin_client, offers):
    html = admin_client.get("/reports/register/", {"group": "offer"}).content.decode()

    assert f'action="{XLSX_START}?group=offer"' in html
    assert "csrfmiddlewaretoken" in html
    assert 'href="/reports/register/exports/"' in html


def test_an_export_finishes_in_the_background_and_downloads_the_report(
    admin_client, offers, django_capture_on_commit_callbacks
):
    page_url = _start(
        admin_client, django_capture_on_commit_callbacks, f"group=offer&offer={offers['first'].pk}"
    )

    page = admin_client.get(page_url)
    html = page.content.decode()
    export = RegisterExport.objects.get()
    assert export.status == ExportStatus.DONE
    assert "3 of 3</strong> rows written" in html
    assert f'href="/reports/register/exports/{export.pk}/file/"' in html
    assert "Available until" in html
    # Finished: the progress part no longer polls.
    assert "hx-trigger" not in html

    response = admin_client.get(f"/reports/register/exports/{export.pk}/file/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert export.filename in response["Content-Disposition"]
    assert export.filename.startswith("credential-register-by-offer-")
    sheets, rows = _rows(b"".join(response.streaming_content))
    assert sheets == ["By course offer", exports.CHECKPOINT_SHEET]
    assert rows[0] == HEADINGS
    expected = list(register_report_values(ReportFilters(grouping="offer", offer=offers["first"])))
    assert rows[1:] == expected
    assert [row[2] for row in rows[1:]] == ["Ann0 First", "Ann1 First", "Ann2 First"]


def test_a_learner_name_that_looks_like_a_formula_stays_text(
    admin_client, offers, django_capture_on_commit_callbacks
):
    _start(admin_client, django_capture_on_commit_callbacks, f"offer={offers['second'].pk}")
    export = RegisterExport.objects.get()

    response = admin_client.get(f"/reports/register/exports/{export.pk}/file/")

    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    (row,) = list(workbook.active.iter_rows(min_row=2))
    assert row[2].data_type == "s"
    assert row[2].value == f"{FORMULA_NAME} Second"


def test_the_page_shows_progress_while_the_export_is_written(admin_client, offers):
    export = RegisterExport.objects.create(
        requested_by=admin_client.user,
        query="group=offer",
        status=ExportStatus.RUNNING,
        rows_done=2,
        rows_total=4,
    )
    RegisterExport.objects.filter(pk=export.pk).update(heartbeat_at=timezone.now())

    html = admin_client.get(f"/reports/register/exports/{export.pk}/").content.decode()

    assert "2 of 4</strong> rows written" in html
    assert 'value="50"' in html
    assert f'hx-get="/reports/register/exports/{export.pk}/progress/"' in html
    assert "/file/" not in html.split('id="export-progress"')[1].split("</section>")[0]
    partial = admin_client.get(f"/reports/register/exports/{export.pk}/progress/")
    assert partial.content.decode().strip().startswith('<section id="export-progress"')


def test_a_register_past_a_sheet_continues_on_more_sheets_and_says_so(
    admin_client, offers, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 3)
    page_url = _start(admin_client, django_capture_on_commit_callbacks, "group=offer")

    html = admin_client.get(page_url).content.decode()

    assert "continues on 2 sheets" in html
    export = RegisterExport.objects.get()
    response = admin_client.get(f"/reports/register/exports/{export.pk}/file/")
    sheets, rows = _rows(b"".join(response.streaming_content))
    assert sheets == ["By course offer", "By course offer (2)", exports.CHECKPOINT_SHEET]
    assert len([row for row in rows if row != HEADINGS]) == 4


def test_the_list_shows_the_users_recent_exports(
    admin_client, role_client, offers, django_capture_on_commit_callbacks
):
    _start(admin_client, django_capture_on_commit_callbacks, "group=offer")
    _start(admin_client, django_capture_on_commit_callbacks, "group=course&status=issued")
    _start(role_client(Role.ADMIN), django_capture_on_commit_callbacks, "group=course")

    html = admin_client.get("/reports/register/exports/").content.decode()

    assert html.count("credential-register-by-") == 2
    assert html.index("By course; status Issued") < html.index("By course offer")
