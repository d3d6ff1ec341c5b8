"""Register report downloads: CSV and XLSX read back and compared with the register; the PDF."""

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from testamur.accounts.roles import Role
from testamur.core.checkpoints import checkpoint_write
from testamur.credentials.models import Credential, CredentialStatus
from testamur.reports import exports
from testamur.reports.selectors import HEADINGS, ReportFilters
from tests.factories import course_make, offer_make, organisation_configured, template_make
from tests.reports.helpers import register_entry, xlsx_export

pytestmark = pytest.mark.django_db

REPORT = "/reports/register/"
CSV = "/reports/register/csv/"
PDF = "/reports/register/pdf/"


@pytest.fixture
def register(make_user):
    """A small register over two courses and three offers, in several states."""
    organisation_configured()
    officer = make_user(Role.ADMIN, first_name="Olivia", last_name="Officer")
    business = course_make("BSB40120", title="Certificate IV in Business", aqf_level=4)
    care = course_make("CHC33021", title="Certificate III in Individual Support")
    care_t1 = offer_make(care, code="CHC33021-T1")
    bsb_t2 = offer_make(business, code="BSB40120-T2")
    bsb_t1 = offer_make(business, code="BSB40120-T1")
    testamur = template_make("testamur")
    register_entry(care_t1, given_name="Zoë", family_name="Ng", officer=officer)
    register_entry(bsb_t2, given_name="Ben", middle_names="J", family_name="Two", template=testamur)
    register_entry(
        bsb_t1,
        status=CredentialStatus.CANCELLED,
        reason='Wrong name, "fixed"; re-issued',
        given_name="Cat",
        family_name="One",
        officer=officer,
    )
    register_entry(bsb_t1, status=CredentialStatus.REQUESTED, issued_on=None, given_name="Dan")
    register_entry(care_t1, credential_date=date(2025, 12, 31), issued_on=date(2026, 1, 5))
    return {"bsb_t1": bsb_t1, "care_t1": care_t1}


def _expected(grouping: str, **filters) -> list[list[str]]:
    """The register as the report should list it, built straight from the credentials."""
    group = {
        "offer": lambda c: c.course_enrolment.offer.code,
        "course": lambda c: c.course_enrolment.offer.course.code,
    }[grouping]
    credentials = Credential.objects.select_related(
        "learner", "issuing_officer", "course_enrolment__offer__course"
    ).filter(**filters)
    rows = []
    for c in sorted(credentials, key=lambda c: (group(c), c.pk)):
        course = c.course_enrolment.offer.course
        rows.append(
            [
                c.number or "",
                c.get_credential_type_display(),
                c.learner.full_name,
                c.learner.client_id,
                f"{course.code} {course.title}",
                c.course_enrolment.offer.code,
                c.credential_date.strftime("%d/%m/%Y"),
                c.issued_on.strftime("%d/%m/%Y") if c.issued_on else "",
                c.get_status_display(),
                c.status_reason,
                c.issuing_officer.display_name if c.issuing_officer else "",
            ]
        )
    return rows


def _csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def _xlsx_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = []
    for sheet in workbook.worksheets:
        if sheet.title != exports.CHECKPOINT_SHEET:
            rows += [[cell if cell is not None else "" for cell in row] for row in sheet.values]
    return rows


@pytest.mark.parametrize("grouping", ["offer", "course"])
def test_csv_holds_the_register_in_report_order(grouping, rto_user_client, register):
    response = rto_user_client.get(CSV, {"group": grouping})

    rows = _csv_rows(response)
    assert rows[0] == HEADINGS
    assert rows[1:] == _expected(grouping)
    assert f"credential-register-by-{grouping}-" in response["Content-Disposition"]
    page = rto_user_client.get(REPORT, {"group": grouping})
    listed = [c.number or "" for c in page.context["page_obj"].object_list]
    assert listed == [row[0] for row in rows[1:]]


@pytest.mark.parametrize("grouping", ["offer", "course"])
def test_xlsx_holds_the_same_rows_as_the_csv(grouping, rto_user_client, register):
    response = xlsx_export(rto_user_client, {"group": grouping})

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = _xlsx_rows(response)
    assert rows[0] == HEADINGS
    assert rows[1:] == _expected(grouping)
    assert rows == _csv_rows(rto_user_client.get(CSV, {"group": grouping}))


def test_downloads_apply_the_filters(rto_user_client, register):
    params = {"group": "offer", "status": "issued", "offer": register["care_t1"].pk}
    expected = _expected("offer", status="issued", course_enrolment__offer=register["care_t1"])
    assert len(expected) == 2
    assert _csv_rows(rto_user_client.get(CSV, params))[1:] == expected
    assert _xlsx_rows(xlsx_export(rto_user_client, params))[1:] == expected

    by_issue = {"date_field": "issued_date", "date_from": "2026-01-01", "date_to": "2026-01-31"}
    rows = _csv_rows(rto_user_client.get(CSV, by_issue))[1:]
    assert [row[7] for row in rows] == ["05/01/2026"]


def test_a_long_register_continues_on_further_sheets(register):
    handle = io.BytesIO()
    assert exports.xlsx_write(ReportFilters(grouping="offer"), handle, max_rows=2) == (5, 3)
    workbook = load_workbook(handle, read_only=True)
    assert workbook.sheetnames == [
        "By course offer",
        "By course offer (2)",
        "By course offer (3)",
        exports.CHECKPOINT_SHEET,
    ]
    rows = []
    for sheet in workbook.worksheets[:-1]:
        values = list(sheet.values)
        assert list(values[0]) == HEADINGS
        rows += [[cell if cell is not None else "" for cell in row] for row in values[1:]]
    assert rows == _expected("offer")


def test_text_that_looks_like_a_formula_stays_text(rto_user_client, register):
    entry = register_entry(
        register["bsb_t1"], status=CredentialStatus.CANCELLED, reason='=HYPERLINK("http://x")'
    )

    rows = _csv_rows(rto_user_client.get(CSV, {"status": "cancelled"}))
    reasons = {row[0]: row[9] for row in rows[1:]}
    assert reasons[entry.number] == '\'=HYPERLINK("http://x")'

    error_code = register_entry(
        register["bsb_t1"], status=CredentialStatus.CANCELLED, reason="#N/A"
    )
    response = xlsx_export(rto_user_client, {"status": "cancelled"})
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    cells = {row[0].value: row[9] for row in workbook.active.iter_rows(min_row=2)}
    assert cells[entry.number].data_type == "s"
    assert cells[entry.number].value == '=HYPERLINK("http://x")'
    # Text that reads as a spreadsheet error value stays text too.
    assert cells[error_code.number].data_type == "s"
    assert cells[error_code.number].value == "#N/A"


def test_printable_pdf_lists_the_groups_and_credentials(rto_user_client, register):
    response = rto_user_client.get(PDF, {"group": "offer", "status": "issued"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Credential register by course offer" in text
    assert "status Issued" in text
    assert "CHC33021-T1" in text
    assert "BSB40120-T2" in text
    for row in _expected("offer", status="issued"):
        assert row[0] in text
    cancelled = Credential.objects.get(status=CredentialStatus.CANCELLED)
    assert cancelled.number not in text


def test_a_printable_pdf_too_long_to_print_is_refused_with_a_reason(
    rto_user_client, register, monkeypatch
):
    monkeypatch.setattr(exports, "PDF_MAX_ROWS", 2)

    response = rto_user_client.get(PDF, {"group": "offer"})

    assert response.status_code == 422
    assert exports.PDF_TOO_MANY.format(limit=2) in response.content.decode()


def test_xlsx_ends_with_the_newest_signed_checkpoint_of_the_event_log(rto_user_client, register):
    checkpoint_write()
    newest = checkpoint_write()

    workbook = load_workbook(
        io.BytesIO(b"".join(xlsx_export(rto_user_client, {"group": "offer"}).streaming_content))
    )

    sheet = workbook[exports.CHECKPOINT_SHEET]
    assert workbook.sheetnames[-1] == exports.CHECKPOINT_SHEET
    values = {row[0].value: row[1].value for row in sheet.iter_rows()}
    assert values["Events"] == str(newest.events)
    assert values["Newest hash"] == newest.head_hash
    assert values["Signature"] == newest.signature
    # The whole file, to save as .json and give to verify_event_log --checkpoints.
    assert values["Checkpoint file (JSON)"] == newest.path.read_text()


def test_xlsx_says_when_no_checkpoint_was_signed_yet(rto_user_client, register):
    workbook = load_workbook(
        io.BytesIO(b"".join(xlsx_export(rto_user_client, {"group": "offer"}).streaming_content))
    )
    sheet = workbook[exports.CHECKPOINT_SHEET]
    assert [cell.value for cell in next(sheet.iter_rows())] == [
        "Checkpoint",
        exports.CHECKPOINT_NONE,
    ]


def test_printable_pdf_ends_with_the_newest_checkpoint(rto_user_client, register):
    newest = checkpoint_write()

    response = rto_user_client.get(PDF, {"group": "course"})

    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Event log checkpoint" in text
    assert newest.head_hash in text.replace("\n", "")
    assert newest.key_id in text


def test_the_checkpoint_downloads_beside_the_register(rto_user_client, register):
    page = rto_user_client.get(REPORT, {"group": "offer"}).content.decode()
    assert 'href="/reports/register/checkpoint/"' in page

    response = rto_user_client.get("/reports/register/checkpoint/", follow=True)
    assert exports.CHECKPOINT_NONE in response.content.decode()

    newest = checkpoint_write()
    response = rto_user_client.get("/reports/register/checkpoint/")
    assert response["Content-Type"] == "application/json"
    assert newest.path.name in response["Content-Disposition"]
    assert response.content.decode() == newest.path.read_text()
