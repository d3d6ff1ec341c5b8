"""The register report as CSV, XLSX and a printable PDF.

CSV is streamed row by row in the request. XLSX is written row by row (openpyxl write-only
mode) by a background export (register_exports.py) that records its progress; both hold one
chunk of rows at a time, whatever the size.
The PDF goes through the same Typst path as credentials, with the rows as JSON data, and is
capped at PDF_MAX_ROWS (a printed register of a million rows helps nobody).
"""

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from testamur.core.checkpoints import Checkpoint, checkpoint_latest
from testamur.core.spreadsheets import csv_writer, xlsx_row
from testamur.credentials.rendering.bounded import get_renderer
from testamur.organisation.models import Organisation
from testamur.reports.selectors import (
    COLUMNS,
    HEADINGS,
    Grouping,
    ReportFilters,
    group_column,
    register_report,
    register_report_values,
)

PDF_MAX_ROWS = 1000
PDF_TOO_MANY = (
    "The printable report holds up to {limit} credentials and these filters match more. "
    "Narrow the filters (a date range or one course offer), or download CSV or XLSX."
)
XLSX_MAX_ROWS = 1_048_575  # Excel's limit per sheet, less the heading row
XLSX_PROGRESS_EVERY = 5000
REPORT_SOURCE = Path(__file__).parent / "typst" / "register_report.typ"
WIDTHS = {
    "number": 16,
    "type": 22,
    "learner_name": 28,
    "learner_id": 12,
    "course": 44,
    "offer": 20,
    "credential_date": 14,
    "issued_date": 12,
    "status": 22,
    "status_reason": 36,
    "issuing_officer": 22,
}
CSV_BATCH = 500


def filename(filters: ReportFilters, extension: str) -> str:
    today = timezone.localdate()
    return f"credential-register-by-{filters.grouping}-{today:%Y%m%d}.{extension}"


class _Line:
    """A file-like object that hands back what csv.writer writes to it."""

    def write(self, value: str) -> str:
        return value


def csv_stream(filters: ReportFilters) -> Iterator[str]:
    """The report as CSV text, a batch of rows at a time (UTF-8 with a BOM, for Excel)."""
    writer = csv_writer(_Line())
    yield "\ufeff" + writer.writerow(HEADINGS)
    batch = []
    for row in register_report_values(filters):
        batch.append(writer.writerow(row))
        if len(batch) >= CSV_BATCH:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def _new_sheet(workbook: Workbook, title: str):
    sheet = workbook.create_sheet(title=title)
    for index, (key, _) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = WIDTHS[key]
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    heading = []
    for text in HEADINGS:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        heading.append(cell)
    sheet.append(heading)
    return sheet


def xlsx_write(
    filters: ReportFilters,
    handle,
    *,
    max_rows: int | None = None,
    progress: Callable[[int], None] | None = None,
    every: int = XLSX_PROGRESS_EVERY,
) -> tuple[int, int]:
    """Write the report as an XLSX workbook to `handle`; returns (rows, sheets).

    Rows past a sheet's limit (XLSX_MAX_ROWS unless `max_rows`) continue on a further sheet.
    `progress(rows)` is called every `every` rows (a background export records how far it has
    got).
    """
    max_rows = max_rows or XLSX_MAX_ROWS
    workbook = Workbook(write_only=True)
    title = "By course" if filters.grouping == Grouping.COURSE else "By course offer"
    sheets, written, rows = 1, 0, 0
    try:
        sheet = _new_sheet(workbook, title)
        for row in register_report_values(filters):
            if written == max_rows:
                sheets += 1
                sheet = _new_sheet(workbook, f"{title} ({sheets})")
                written = 0
            sheet.append(xlsx_row(sheet, row))
            written += 1
            rows += 1
            if progress is not None and rows % every == 0:
                progress(rows)
        _checkpoint_sheet(workbook)
    except BaseException:
        _discard(workbook)
        raise
    workbook.save(handle)
    return rows, sheets


def _discard(workbook: Workbook) -> None:
    """Delete the sheets' temporary files now: openpyxl would keep them until the process
    exits, and a worker runs for weeks."""
    for sheet in workbook.worksheets:
        writer = getattr(sheet, "_writer", None)
        if writer is None:
            continue
        with contextlib.suppress(Exception):  # a sheet broken mid-row: its file goes anyway
            sheet.close()
        writer.cleanup()


CHECKPOINT_SHEET = "Event log checkpoint"
CHECKPOINT_NONE = (
    "No checkpoint of the event log has been signed yet. A running worker signs one daily; "
    "manage.py event_log_checkpoint signs one now."
)
CHECKPOINT_NOTE = (
    "The newest signed checkpoint of the whole event log when this register was exported "
    "({made}). Anyone can check the signature with the public key; manage.py verify_event_log "
    "--checkpoints <folder holding the JSON below, saved as a .json file> checks the log "
    "against it."
)


def checkpoint_rows(checkpoint: Checkpoint | None, made: str) -> list[tuple[str, str]]:
    """The latest checkpoint as (label, value) rows, for the exports' closing sheet or page."""
    if checkpoint is None:
        return [("Checkpoint", CHECKPOINT_NONE)]
    return [
        ("About", CHECKPOINT_NOTE.format(made=made)),
        ("Signed at", f"{timezone.localtime(checkpoint.at):%d/%m/%Y %H:%M:%S}"),
        ("Events", str(checkpoint.events)),
        ("Newest event", str(checkpoint.last_event_id or "")),
        ("Newest hash", checkpoint.head_hash),
        ("Public key (Ed25519)", checkpoint.public_key),
        ("Key id", checkpoint.key_id),
        ("Signature", checkpoint.signature),
        ("Checkpoint file (JSON)", checkpoint.to_json()),
    ]


def _checkpoint_sheet(workbook: Workbook) -> None:
    sheet = workbook.create_sheet(title=CHECKPOINT_SHEET)
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 140
    made = f"{timezone.localtime():%d/%m/%Y %H:%M}"
    for label, value in checkpoint_rows(checkpoint_latest(), made):
        sheet.append(xlsx_row(sheet, [label, value]))


def pdf_too_big(filters: ReportFilters) -> bool:
    return register_report(filters).order_by()[: PDF_MAX_ROWS + 1].count() > PDF_MAX_ROWS


def _pdf_data(filters: ReportFilters) -> dict:
    organisation = Organisation.load()
    group_at = group_column(filters.grouping)
    columns = [heading for index, heading in enumerate(HEADINGS) if index != group_at]
    groups: list[dict] = []
    total = 0
    for row in register_report_values(filters, limit=PDF_MAX_ROWS):
        heading = row[group_at]
        if filters.grouping == Grouping.OFFER:
            heading = f"{row[5]} — {row[4]}"
        if not groups or groups[-1]["key"] != row[group_at]:
            groups.append({"key": row[group_at], "heading": heading, "rows": []})
        groups[-1]["rows"].append([value for index, value in enumerate(row) if index != group_at])
        total += 1
    now = timezone.localtime()
    made = f"{now:%d/%m/%Y %H:%M}"
    checkpoint = checkpoint_latest()
    return {
        "title": f"Credential register {Grouping.LABELS[filters.grouping].lower()}",
        "organisation": {"name": organisation.display_name, "rto_code": organisation.rto_code},
        "filters": filters.describe()[1:],
        "made": made,
        "columns": columns,
        "groups": [{"heading": g["heading"], "rows": g["rows"]} for g in groups],
        "total": total,
        "checkpoint": [
            [label, value]
            for label, value in checkpoint_rows(checkpoint, made)
            if label != "Checkpoint file (JSON)"
        ],
    }


def report_pdf(filters: ReportFilters) -> bytes:
    """The printable report (call pdf_too_big first)."""
    source = REPORT_SOURCE.read_text(encoding="utf-8")
    return get_renderer().render(source=source, data=_pdf_data(filters))
