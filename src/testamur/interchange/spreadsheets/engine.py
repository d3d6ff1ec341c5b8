"""The loop every spreadsheet import shares: read, parse and check rows a chunk at a time.

A check (dry run) and an import run the same code; only the import writes, one chunk at a
time inside the caller's transaction, so memory stays flat however long the file is.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models

from testamur.interchange.problems import Problems
from testamur.interchange.reading import Sheet
from testamur.interchange.spreadsheets.columns import CellError, Column

COLUMN_NOT_MATCHED = "Match a column to “{label}”: every row needs it."
COLUMN_USED_TWICE = "Column “{header}” is matched to both “{first}” and “{second}”."
COLUMN_NOT_IN_FILE = "The file has no column “{header}”."
NO_ROWS = "The file has a header row but no rows below it."


class ImportAborted(Exception):
    """Raised mid-import when a row turns out invalid: the caller's transaction rolls back."""


@dataclass
class ParsedRow:
    number: int
    values: dict  # field → parsed value, for the matched columns whose cell could be read
    failed: frozenset = frozenset()  # fields whose cell could not be read (already reported)


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


class RowImporter:
    """One kind of spreadsheet import. Subclasses hold the rules for their records."""

    label = ""
    columns: tuple[Column, ...] = ()
    # Without these a row cannot be matched to anything; with one unreadable the row is skipped.
    key_fields: frozenset[str] = frozenset()
    chunk_size = 1000

    def __init__(self, *, actor, mapping: dict[str, str], reason: str = ""):
        self.actor, self.mapping, self.reason = actor, mapping, reason
        self.counts = Counts()

    @classmethod
    def mapping_problems(cls, mapping: dict[str, str], headers: list[str]) -> list[str]:
        problems = []
        used: dict[str, str] = {}
        labels = {column.field: column.label for column in cls.columns}
        for field, header in mapping.items():
            if header not in headers:
                problems.append(COLUMN_NOT_IN_FILE.format(header=header))
            elif header in used:
                problems.append(
                    COLUMN_USED_TWICE.format(
                        header=header, first=labels[used[header]], second=labels[field]
                    )
                )
            used[header] = field
        for column in cls.columns:
            if column.required and column.field not in mapping:
                problems.append(COLUMN_NOT_MATCHED.format(label=column.label))
        return problems

    def column(self, field: str) -> str:
        """The name a person sees for a field: the file's header, else the column's label."""
        if field in self.mapping:
            return self.mapping[field]
        return next((c.label for c in self.columns if c.field == field), field)

    @property
    def error_columns(self) -> dict[str, str]:
        return {column.field: self.column(column.field) for column in self.columns}

    def prepare(self) -> None:
        """Load what every chunk looks rows up in (natural keys), once."""

    def chunk(self, rows: list[ParsedRow], problems: Problems, *, write: bool) -> None:
        raise NotImplementedError


def record_problems(instance: models.Model, rule_errors: dict, *, exclude: list[str]) -> dict:
    """A row's record checked by its model (fields in `exclude` and those the rules already
    faulted are skipped) and by the service's rules: field → messages."""
    try:
        instance.full_clean(
            exclude=[*exclude, *rule_errors], validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        found = exc.message_dict
    else:
        found = {}
    for field, message in rule_errors.items():
        found.setdefault(field, []).append(message)
    return found


def sheet_import(
    importer: RowImporter,
    sheet: Sheet,
    problems: Problems,
    *,
    write: bool,
    on_progress: Callable[[float, int], None] | None = None,
) -> int:
    """Run every row through the importer; return how many rows were read."""
    headers = sheet.headers()
    index = {header: position for position, header in enumerate(headers)}
    positions = {
        field: index[header] for field, header in importer.mapping.items() if header in index
    }
    parsers = {column.field: column.parse for column in importer.columns}
    importer.prepare()
    chunk: list[ParsedRow] = []
    read = 0

    def flush():
        importer.chunk(chunk, problems, write=write)
        if write and problems:
            raise ImportAborted
        if on_progress:
            on_progress(sheet.fraction_read, read)
        chunk.clear()

    for row in sheet.rows():
        read += 1
        values, failed = {}, set()
        for field, position in positions.items():
            cell = row.values[position] if position < len(row.values) else None
            try:
                values[field] = parsers[field](cell)
            except CellError as exc:
                problems.add(str(exc), row=row.number, column=importer.mapping[field])
                failed.add(field)
        # A row with an unreadable cell is still checked, so all its problems are listed.
        if not failed & importer.key_fields:
            chunk.append(ParsedRow(row.number, values, frozenset(failed)))
        if len(chunk) >= importer.chunk_size:
            flush()
    flush()
    if not read:
        problems.add(NO_ROWS)
    return read
