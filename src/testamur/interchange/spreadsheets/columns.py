"""Columns a spreadsheet import understands, and how each cell becomes a value.

A parser returns the value or raises CellError with a sentence for the person who typed it.
The model's own validators and the services' rule functions check the values afterwards, so
each rule still lives in one place.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from testamur.interchange.reading import cell_text

NOT_A_DATE = "'{value}' is not a date: write it as DD/MM/YYYY (e.g. 31/01/2026)."
NOT_A_NUMBER = "'{value}' is not a number of hours."
NOT_A_CHOICE = "'{value}' is not one of: {choices}."
TOO_LONG = "'{value}' is longer than {limit} characters."
NOT_IN_CODE_LIST = "'{value}' is not in the AVETMISS {list} list (give its code or its name)."
NOT_A_YEAR = "'{value}' is not a year (e.g. 2012)."

_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y")


class CellError(ValueError):
    pass


def text(max_length: int | None = None) -> Callable[[object], str]:
    def parse(value) -> str:
        shown = cell_text(value)
        if max_length and len(shown) > max_length:
            raise CellError(TOO_LONG.format(value=shown, limit=max_length))
        return shown

    return parse


def postcode(value) -> str:
    """Excel drops a postcode's leading zero (0800 → 800); put it back."""
    shown = cell_text(value)
    return shown.zfill(4) if shown.isdigit() and len(shown) < 4 else shown


def a_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    shown = cell_text(value)
    if not shown:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(shown, fmt).date()
        except ValueError:
            continue
    raise CellError(NOT_A_DATE.format(value=shown))


def hours(value) -> Decimal | None:
    shown = cell_text(value)
    if not shown:
        return None
    try:
        number = Decimal(shown)
    except InvalidOperation as exc:
        raise CellError(NOT_A_NUMBER.format(value=shown)) from exc
    if not number.is_finite():
        raise CellError(NOT_A_NUMBER.format(value=shown))
    return number


def _key(value: str) -> str:
    return re.sub(r"[^a-z0-9@]", "", value.lower())


def choice(choices, **aliases: str) -> Callable[[object], str]:
    """A value of a TextChoices, typed as its value, its label or one of `aliases`."""
    lookup = {}
    for value, label in choices:
        lookup[_key(str(value))] = value
        lookup[_key(str(label))] = value
    for alias, value in aliases.items():
        lookup[_key(alias)] = value
    shown_choices = ", ".join(str(label) for _, label in choices)

    def parse(value) -> str:
        shown = cell_text(value)
        if not shown:
            return ""
        found = lookup.get(_key(shown))
        if found is None:
            raise CellError(NOT_A_CHOICE.format(value=shown, choices=shown_choices))
        return found

    return parse


def a_year(value) -> int | None:
    shown = cell_text(value)
    if not shown:
        return None
    if not (shown.isdigit() and len(shown) == 4):
        raise CellError(NOT_A_YEAR.format(value=shown))
    return int(shown)


def code_list(model, list_name: str, *, many: bool = False, recognition: bool = False):
    """An AVETMISS code list entry typed as its code or its name; blank is "not stated".

    With `many`, several separated by commas or semicolons (disability types); with
    `recognition`, each code may end in A, E or I (prior achievements: 514A, 008I).
    """
    lookup: dict[str, object] = {}

    def entry(shown: str):
        if not lookup:
            for item in model.objects.all():
                lookup[_key(item.code)] = lookup[_key(item.label)] = item
        found = lookup.get(_key(shown))
        if found is None:
            raise CellError(NOT_IN_CODE_LIST.format(value=shown, list=list_name))
        return found

    def parse(value):
        shown = cell_text(value)
        if not many:
            return entry(shown) if shown else None
        found = []
        for part in filter(None, (p.strip() for p in re.split(r"[;,]", shown))):
            if recognition and re.fullmatch(r"\d{3}[AEIaei]", part):
                found.append((entry(part[:3]), part[3].upper()))
            elif recognition:
                found.append((entry(part), ""))
            else:
                found.append(entry(part))
        return found

    return parse


@dataclass(frozen=True)
class Column:
    field: str
    label: str
    parse: Callable[[object], object]
    required: bool = False  # the column must be matched (a blank cell is the model's business)
    aliases: tuple[str, ...] = ()
    help: str = ""

    def matches(self, header: str) -> bool:
        wanted = {_key(self.field), _key(self.label), *(_key(a) for a in self.aliases)}
        return _key(header) in wanted


def auto_mapping(columns, headers: list[str], remembered: dict[str, str]) -> dict[str, str]:
    """Field → header: the remembered choice where this file has that header, else by name."""
    mapping = {}
    taken = set()
    # A column last left unmatched on purpose stays unmatched.
    skipped = {field for field, header in remembered.items() if not header}
    for column in columns:
        header = remembered.get(column.field)
        if header in headers and header not in taken:
            mapping[column.field] = header
            taken.add(header)
    for column in columns:
        if column.field in mapping or column.field in skipped:
            continue
        for header in headers:
            if header not in taken and column.matches(header):
                mapping[column.field] = header
                taken.add(header)
                break
    return mapping
