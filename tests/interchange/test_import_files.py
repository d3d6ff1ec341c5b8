"""Uploaded spreadsheets: CSV in UTF-8 (with or without BOM) or Windows-1252, XLSX, and clear
refusals for anything else."""

import io
from datetime import datetime

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from testamur.interchange.models import ImportJob, ImportStatus
from testamur.interchange.reading import (
    FILE_EMPTY,
    FILE_ENCODING_UNKNOWN,
    FILE_NOT_SPREADSHEET,
    FILE_NOT_TEXT,
    FILE_TOO_LARGE,
    FILE_UTF16,
    XLSX_UNREADABLE,
)
from testamur.interchange.services import import_job_create
from testamur.learners.models import Learner
from tests.interchange.helpers import spreadsheet_import, upload

pytestmark = pytest.mark.django_db

CSV = "Learner ID,Given name,Family name\nS001,Zoë,Ngô\nS002,José,Muñoz\n"


def names() -> list[tuple[str, str]]:
    return list(Learner.objects.order_by("client_id").values_list("given_name", "family_name"))


@pytest.mark.parametrize(
    "encoding,shown", [("utf-8", "utf-8-sig"), ("utf-8-sig", "utf-8-sig"), ("cp1252", "cp1252")]
)
def test_csv_text_encodings_are_recognised(rto_admin, encoding, shown):
    content = CSV.replace("Ngô", "Nguyen") if encoding == "cp1252" else CSV
    job = spreadsheet_import(
        "learners", "learners.csv", content.encode(encoding), commit=True, actor=rto_admin
    )
    assert job.encoding == shown
    assert job.status == ImportStatus.IMPORTED
    assert names()[1] == ("José", "Muñoz")


def test_semicolon_separated_files_are_read(rto_admin):
    job = spreadsheet_import(
        "learners", "learners.csv", CSV.replace(",", ";"), commit=True, actor=rto_admin
    )
    assert job.status == ImportStatus.IMPORTED
    assert names() == [("Zoë", "Ngô"), ("José", "Muñoz")]


@pytest.mark.parametrize(
    "content,message",
    [
        (CSV.encode("utf-16"), FILE_UTF16),
        (b"Learner ID,Given name\nS001,Bad\x81byte\n", FILE_ENCODING_UNKNOWN),
        (b"Learner ID\x00,Given name\n", FILE_NOT_TEXT),
        (b"", FILE_EMPTY),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old excel", FILE_NOT_SPREADSHEET),
        (b"PK\x03\x04 not really a workbook", XLSX_UNREADABLE),
    ],
    ids=["utf16", "unknown-bytes", "binary", "empty", "xls", "broken-xlsx"],
)
def test_unreadable_files_are_refused_with_a_clear_message(rto_admin, content, message):
    with pytest.raises(ValidationError) as refused:
        import_job_create(actor=rto_admin, kind="learners", upload=upload("learners.csv", content))
    assert refused.value.messages == [message]
    assert not ImportJob.objects.exists()


def test_files_over_the_size_limit_are_refused(rto_admin, settings):
    settings.MAX_IMPORT_UPLOAD_BYTES = 1024 * 1024
    content = "Learner ID,Given name,Family name\n" + "S001,A,B\n" * 130_000
    with pytest.raises(ValidationError) as refused:
        import_job_create(actor=rto_admin, kind="learners", upload=upload("big.csv", content))
    assert refused.value.messages == [FILE_TOO_LARGE.format(limit=1)]


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_excel_workbooks_are_read_with_their_dates_and_numbers(rto_admin):
    content = _xlsx(
        [
            ["Learner ID", "Given name", "Family name", "Date of birth", "Postcode"],
            [1001, "Mia", "Nguyen", datetime(1998, 7, 14), 800],
            [None, None, None, None, None],
            [1002, "Noah", "Smith", "02/03/1985", 2150],
        ]
    )

    job = spreadsheet_import("learners", "learners.xlsx", content, commit=True, actor=rto_admin)

    assert (job.file_format, job.status, job.rows_read) == ("xlsx", ImportStatus.IMPORTED, 2)
    mia = Learner.objects.get(client_id="1001")
    assert (mia.date_of_birth.isoformat(), mia.postcode) == ("1998-07-14", "0800")
    assert Learner.objects.get(client_id="1002").date_of_birth.isoformat() == "1985-03-02"


def test_an_excel_row_problem_names_the_spreadsheet_row(rto_admin):
    content = _xlsx(
        [
            ["Learner ID", "Given name", "Family name", "Date of birth"],
            ["S001", "Mia", "Nguyen", "yesterday"],
        ]
    )
    job = spreadsheet_import("learners", "learners.xlsx", content, commit=False, actor=rto_admin)
    assert [(p["row"], p["column"]) for p in job.errors] == [(2, "Date of birth")]


def test_a_file_with_only_a_header_row_is_reported(rto_admin):
    from testamur.interchange.spreadsheets.engine import NO_ROWS

    job = spreadsheet_import(
        "learners", "learners.csv", "Learner ID,Given name,Family name\n", commit=True
    )

    assert job.status == ImportStatus.INVALID
    assert [p["message"] for p in job.errors] == [NO_ROWS]


def test_commas_inside_quoted_values_do_not_split_columns(rto_admin):
    csv = 'Learner ID;Given name;Family name;Street address\nS001;Mia;Nguyen;"12, Church St"\n'

    spreadsheet_import("learners", "learners.csv", csv, commit=True, actor=rto_admin)

    assert Learner.objects.get().address_line == "12, Church St"
