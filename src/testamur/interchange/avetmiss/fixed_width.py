"""Fixed-width records as AVETMISS defines them: no header, no separators, one record a line.

A (text) is left-justified and space-filled, N (number) right-justified and zero-filled,
D (date) DDMMYYYY. A blank optional field is spaces. Files are ASCII; other characters are
written as their closest ASCII letter (é → e).
"""

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

LINE_LENGTH = "The line is {length} characters long; every {file} line is {expected}."
NOT_A_NUMBER = "'{value}' is not a number."
FIELD_REQUIRED = "This field is blank; it must be filled in."
NOT_A_DATE = "'{value}' is not a date written DDMMYYYY (e.g. 31012026)."

TEXT, NUMBER, DATE = "A", "N", "D"
UNKNOWN_DATE = "@@@@@@@@"

_ASCII = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    start: int  # 1-based, as the standard numbers positions
    length: int
    kind: str = TEXT
    required: bool = False

    @property
    def end(self) -> int:
        return self.start + self.length - 1

    @property
    def where(self) -> str:
        """How a person finds the field in the file: its label and positions."""
        if self.length == 1:
            return f"{self.label} ({self.start})"
        return f"{self.label} ({self.start}–{self.end})"


@dataclass(frozen=True)
class Layout:
    file: str  # e.g. NAT00120
    length: int
    fields: tuple[Field, ...]

    def __post_init__(self):
        position = 1
        for field in self.fields:
            if field.start != position:
                raise ValueError(
                    f"{self.file}: {field.name} starts at {field.start}, not {position}"
                )
            position += field.length
        if position - 1 != self.length:
            raise ValueError(f"{self.file}: fields add up to {position - 1}, not {self.length}")

    @property
    def filename(self) -> str:
        return f"{self.file}.txt"


class FieldTooLong(ValueError):
    """A number too large for its field (e.g. 10,000 hours in four digits)."""


def ascii_text(value) -> str:
    text = unicodedata.normalize("NFKD", str(value).translate(_ASCII))
    return text.encode("ascii", "ignore").decode("ascii")


def _format(field: Field, value) -> str:
    if value is None or value == "":
        return " " * field.length
    if field.kind == DATE and isinstance(value, date | datetime):
        return value.strftime("%d%m%Y")
    if field.kind == NUMBER:
        text = str(value)
        if len(text) > field.length:
            raise FieldTooLong(f"{field.label}: {value} does not fit in {field.length} digits")
        return text.rjust(field.length, "0")
    return ascii_text(value)[: field.length].ljust(field.length)


def format_line(layout: Layout, values: dict) -> str:
    line = "".join(_format(field, values.get(field.name)) for field in layout.fields)
    assert len(line) == layout.length, (layout.file, len(line))
    return line


def parse_date(text: str) -> date | None:
    if len(text) != 8 or not text.isdigit():
        raise ValueError(text)
    return datetime.strptime(text, "%d%m%Y").date()


def parse_line(layout: Layout, line: str, report) -> dict | None:
    """The fields of one line, or None when it has problems (each given to `report`).

    `report(message, field=None)` records a problem on this line.
    """
    if len(line) != layout.length:
        report(LINE_LENGTH.format(length=len(line), file=layout.file, expected=layout.length))
        return None
    values, ok = {}, True
    for field in layout.fields:
        raw = line[field.start - 1 : field.end]
        text = raw.strip()
        if field.kind == TEXT:
            values[field.name] = text
            continue
        if not text:
            if field.required:
                report(FIELD_REQUIRED, field)
                ok = False
            values[field.name] = None
        elif field.kind == NUMBER:
            if not text.isdigit():
                report(NOT_A_NUMBER.format(value=raw), field)
                ok = False
            values[field.name] = text
        elif text == UNKNOWN_DATE:
            values[field.name] = UNKNOWN_DATE
        else:
            try:
                values[field.name] = parse_date(text)
            except ValueError:
                report(NOT_A_DATE.format(value=raw), field)
                ok = False
    return values if ok else None
