"""Reading uploaded spreadsheets: which format and encoding, the header row, then row by row.

Nothing here holds a whole file in memory: CSV is decoded as it is read, XLSX through
openpyxl's read-only (streaming) mode, so a 100,000-row file costs no more than a small one.
"""

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from django.core.exceptions import ValidationError

FILE_EMPTY = "The file is empty."
FILE_TOO_LARGE = "The file is larger than {limit} MB. Split it into smaller files."
FILE_NOT_SPREADSHEET = (
    "Upload a CSV file or an Excel workbook (.xlsx). Older .xls workbooks: open them in Excel "
    "and save as .xlsx or CSV."
)
FILE_UTF16 = (
    "This file is saved as UTF-16 text, which Testamur does not read. In Excel choose "
    "Save As → CSV UTF-8 (Comma delimited) and upload that file."
)
FILE_NOT_TEXT = "This file is not text: it contains binary data. Upload a CSV or .xlsx file."
FILE_ENCODING_UNKNOWN = (
    "Testamur cannot tell how this file's characters are encoded (it is neither UTF-8 nor "
    "Windows-1252). In Excel choose Save As → CSV UTF-8 (Comma delimited) and upload that file."
)
XLSX_UNREADABLE = "This workbook cannot be opened. Check it opens in Excel, save it and try again."
XLSX_TOO_BIG = "This workbook expands to more than {limit} MB when opened; it is too large."
NO_HEADER_ROW = "The first row must name the columns (e.g. Learner ID, Given name)."
TOO_MANY_COLUMNS = (
    "The file has {count} columns; Testamur reads at most {limit}. Delete the columns it does "
    "not need and upload the file again."
)
CSV_ROW_UNREADABLE = "Row {row} cannot be read ({problem}). Fix the row and upload the file again."

# No import needs more; a page listing tens of thousands of columns helps nobody.
MAX_COLUMNS = 300

ENCODING_LABELS = {"utf-8-sig": "UTF-8", "cp1252": "Windows-1252"}
_CHUNK = 1 << 20
XLSX_MAX_UNCOMPRESSED = 500 * 1024 * 1024


@dataclass(frozen=True)
class Sniffed:
    file_format: str  # "csv" or "xlsx"
    encoding: str = ""


def check_zip(path: Path, limit: int = XLSX_MAX_UNCOMPRESSED) -> None:
    """Refuse archives that expand far beyond their size (a "zip bomb")."""
    with zipfile.ZipFile(path) as archive:
        if sum(info.file_size for info in archive.infolist()) > limit:
            raise ValidationError(XLSX_TOO_BIG.format(limit=limit // (1024 * 1024)))


def csv_encoding(path: Path) -> str:
    """UTF-8 (with or without a byte-order mark) or Windows-1252; anything else is refused.

    The whole file is decoded once, a chunk at a time, since a stray byte may sit on the last
    row.
    """
    with open(path, "rb") as handle:
        head = handle.read(4)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise ValidationError(FILE_UTF16)
        for encoding in ("utf-8", "cp1252"):
            handle.seek(0)
            decoder = codecs.getincrementaldecoder(encoding)()
            try:
                for chunk in iter(lambda: handle.read(_CHUNK), b""):
                    if b"\x00" in chunk:
                        raise ValidationError(FILE_NOT_TEXT)
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                continue
            return "utf-8-sig" if encoding == "utf-8" else encoding
    raise ValidationError(FILE_ENCODING_UNKNOWN)


def sniff(path: Path, name: str) -> Sniffed:
    """What kind of spreadsheet a stored upload is, by its content rather than its name."""
    with open(path, "rb") as handle:
        head = handle.read(8)
    if not head:
        raise ValidationError(FILE_EMPTY)
    if head.startswith(b"PK\x03\x04"):
        try:
            check_zip(path)
        except zipfile.BadZipFile as exc:
            raise ValidationError(XLSX_UNREADABLE) from exc
        return Sniffed("xlsx")
    if head.startswith(b"\xd0\xcf\x11\xe0") or name.lower().endswith((".xls", ".ods", ".numbers")):
        raise ValidationError(FILE_NOT_SPREADSHEET)
    return Sniffed("csv", csv_encoding(path))


class _CountingReader(io.RawIOBase):
    """A binary stream that counts the bytes read through it (progress through a CSV file)."""

    def __init__(self, raw):
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.raw.read(len(buffer))
        buffer[: len(data)] = data
        self.count += len(data)
        return len(data)


@dataclass
class Row:
    number: int  # as the spreadsheet numbers it: the header is row 1
    values: list


class Sheet:
    """The rows of one uploaded spreadsheet, opened once per pass over it."""

    def __init__(self, path: Path, file_format: str, encoding: str = ""):
        self.path, self.file_format, self.encoding = Path(path), file_format, encoding
        self.fraction_read = 0.0

    def headers(self) -> list[str]:
        for row in self._rows():
            return unique_headers(row.values)
        raise ValidationError(NO_HEADER_ROW)

    def rows(self) -> Iterator[Row]:
        """Data rows (after the header); rows with no value at all are skipped."""
        rows = self._rows()
        next(rows, None)
        for row in rows:
            if any(value not in (None, "") and str(value).strip() for value in row.values):
                yield row

    def _rows(self) -> Iterator[Row]:
        if self.file_format == "xlsx":
            yield from self._xlsx_rows()
        else:
            yield from self._csv_rows()

    def _csv_rows(self) -> Iterator[Row]:
        size = self.path.stat().st_size or 1
        encoding = self.encoding or "utf-8-sig"
        with open(self.path, encoding=encoding, newline="") as text:
            header = text.readline()
        # The separator is whichever of , ; or tab the header row uses most (Excel in some
        # locales writes semicolons).
        delimiter = max(",;\t", key=header.count) if header else ","
        with open(self.path, "rb") as raw:
            counter = _CountingReader(raw)
            text = io.TextIOWrapper(io.BufferedReader(counter), encoding=encoding, newline="")
            reader = csv.reader(text, delimiter=delimiter)
            number = 0
            while True:
                number += 1
                try:
                    values = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    problem = str(exc)
                    if "field limit" in problem:
                        problem = f"a cell is longer than {csv.field_size_limit():,} characters"
                    raise ValidationError(
                        CSV_ROW_UNREADABLE.format(row=number, problem=problem)
                    ) from exc
                self.fraction_read = min(counter.count / size, 1.0)
                yield Row(number, values)
        self.fraction_read = 1.0

    def _xlsx_rows(self) -> Iterator[Row]:
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(self.path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
            raise ValidationError(XLSX_UNREADABLE) from exc
        try:
            sheet = workbook.worksheets[0]
            total = sheet.max_row or 0
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                if total:
                    self.fraction_read = min(number / total, 1.0)
                yield Row(number, list(values))
        finally:
            workbook.close()
        self.fraction_read = 1.0


def unique_headers(values: list) -> list[str]:
    """Header names as shown: blank ones named by position, repeats numbered."""
    values = list(values)
    while values and not cell_text(values[-1]):
        values.pop()
    if len(values) > MAX_COLUMNS:
        raise ValidationError(TOO_MANY_COLUMNS.format(count=len(values), limit=MAX_COLUMNS))
    seen: dict[str, int] = {}
    headers = []
    for index, value in enumerate(values, start=1):
        name = cell_text(value) or f"Column {index}"
        seen[name] = seen.get(name, 0) + 1
        headers.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    if not headers:
        raise ValidationError(NO_HEADER_ROW)
    return headers


def cell_text(value) -> str:
    """A cell as text: Excel's whole numbers without ".0", dates as DD/MM/YYYY."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value).strip()
