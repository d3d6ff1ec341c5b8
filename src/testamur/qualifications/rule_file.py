"""Packaging rules as a CSV file: read one (every bad line reported) and write one.

One line per fact, with a header line:

    type,major,group,group_name,number,unit,superseded_qualification,superseded_unit
    total,,,,12,,,
    imported_electives,,,,3,,,
    core,,,,,BSBWHS411,,
    elective,,E,Electives offered,4,BSBOPS402,,
    core,Ageing,,,,CHCAGE011,,
    elective,Ageing,S,Specialist electives,2,CHCPAL003,,
    equivalent,,,,,BSBWHS411,BSB40215,BSBWHS401
    not_equivalent,,,,,BSBCRT411,BSB40215,BSBCRT401

`total` is the number of units required and `imported_electives` how many electives may come
from outside the listed groups. A `core` or `elective` line with a major belongs to that major.
`number` on an elective line is "choose at least" for its group (0 when empty). Blank lines and
lines starting with # are ignored. YAML is not read: PyYAML is not among the dependencies.
"""

import csv
import io
from dataclasses import dataclass, field

from testamur.core.spreadsheets import csv_unguard
from testamur.qualifications.audit import GroupSpec, MajorSpec, RuleSpec, rule_problems

COLUMNS = [
    "type",
    "major",
    "group",
    "group_name",
    "number",
    "unit",
    "superseded_qualification",
    "superseded_unit",
]
TYPES = ("total", "imported_electives", "core", "elective", "equivalent", "not_equivalent")
MAX_BYTES = 512 * 1024

NOT_CSV = "Upload a CSV file (.csv). {problem}"
NOT_TEXT = "This file is not text: upload a CSV file (.csv)."
TOO_LARGE = "The file is larger than {limit} KB."
NOT_UTF8 = "The file is not UTF-8 text: save it from your spreadsheet as 'CSV UTF-8'."
EMPTY = "The file is empty."
NO_TYPE_COLUMN = "The first line must be the header, with at least the column 'type'."
UNKNOWN_COLUMNS = "Unknown column(s) {names}: the columns are {columns}."
UNKNOWN_TYPE = "Unknown type '{value}': use one of {types}."
NUMBER_MISSING = "Enter a whole number in the 'number' column."
NUMBER_BAD = "'{value}' is not a whole number of 0 or more."
TOTAL_TWICE = "The total is already given on line {line}."
IMPORTED_TWICE = "The number of electives from elsewhere is already given on line {line}."
NO_TOTAL = "The file has no 'total' line (the number of units required)."
UNIT_MISSING = "Enter a unit code in the 'unit' column."
UNKNOWN_UNIT = "No unit has the code {code}. Add the unit first, or check the spelling."
CORE_TWICE = "{code} is already a core unit (line {line})."
GROUP_MISSING = "Enter the elective group's key in the 'group' column, e.g. A."
GROUP_KEY_BAD = "'{value}' is not a group key: up to 10 letters or digits."
GROUP_NAME_DIFFERS = "Group {key} is named '{name}' on line {line}."
GROUP_NUMBER_DIFFERS = "Group {key} asks for at least {number} on line {line}."
UNIT_IN_GROUP_TWICE = "{code} is already in group {key} (line {line})."
MAPPING_INCOMPLETE = (
    "An equivalence needs 'unit', 'superseded_qualification' and 'superseded_unit'."
)
UNKNOWN_QUALIFICATION = "No qualification has the code {code}."
NOT_SUPERSEDED_BY = "{old} is not superseded by {new}: set 'Superseded by' on {old} first."
MAPPED_TWICE = "{code} is already mapped on line {line}."
MAPPED_TO_ITSELF = "A unit cannot be mapped to itself."
COLUMN_TOO_LONG = "The '{column}' value is longer than 100 characters."


@dataclass
class GroupData:
    key: str
    name: str
    at_least: int
    line: int
    units: list[str] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)


@dataclass
class Mapping:
    line: int
    superseded_qualification: str
    superseded_unit: str
    unit: str
    is_equivalent: bool


@dataclass
class RuleFile:
    units_required: int | None = None
    imported_electives_limit: int = 0
    core: dict[str | None, dict[str, int]] = field(default_factory=dict)  # major -> code -> line
    groups: dict[tuple[str | None, str], GroupData] = field(default_factory=dict)
    majors: list[str] = field(default_factory=list)
    mappings: list[Mapping] = field(default_factory=list)

    def spec(self) -> RuleSpec:
        def groups_of(major):
            return tuple(
                GroupSpec(key=g.key, name=g.name, at_least=g.at_least, units=frozenset(g.units))
                for (owner, _), g in self.groups.items()
                if owner == major
            )

        return RuleSpec(
            units_required=self.units_required or 0,
            core=frozenset(self.core.get(None, {})),
            groups=groups_of(None),
            imported_electives_limit=self.imported_electives_limit,
            majors=tuple(
                MajorSpec(
                    name=name, core=frozenset(self.core.get(name, {})), groups=groups_of(name)
                )
                for name in self.majors
            ),
            equivalences={m.superseded_unit: m.unit for m in self.mappings if m.is_equivalent},
        )


class RuleFileError(Exception):
    """Every problem found, as (line number, message); line 0 is the file as a whole."""

    def __init__(self, problems: list[tuple[int, str]]):
        self.problems = sorted(problems)
        super().__init__("; ".join(self.messages))

    @property
    def messages(self) -> list[str]:
        return [f"Line {line}: {text}" if line else text for line, text in self.problems]


def _decode(content: bytes) -> str:
    if len(content) > MAX_BYTES:
        raise RuleFileError([(0, TOO_LARGE.format(limit=MAX_BYTES // 1024))])
    if b"\x00" in content:
        raise RuleFileError([(0, NOT_TEXT)])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RuleFileError([(0, NOT_UTF8)]) from exc
    if not text.strip():
        raise RuleFileError([(0, EMPTY)])
    return text


def _number(value: str) -> int:
    if not value:
        raise ValueError(NUMBER_MISSING)
    if not value.isdigit() or len(value) > 4:
        raise ValueError(NUMBER_BAD.format(value=value[:20]))
    return int(value)


class _Reader:
    def __init__(self, known_units: set[str], superseded: dict[str, str | None], qualification):
        self.known_units = known_units
        self.superseded = superseded  # course code -> code of the course superseding it
        self.qualification = qualification
        self.data = RuleFile()
        self.problems: list[tuple[int, str]] = []
        self.total_line = 0
        self.imported_line = 0
        self.mapped: dict[str, int] = {}

    def unit(self, line: int, code: str) -> str | None:
        if not code:
            self.problems.append((line, UNIT_MISSING))
            return None
        if code not in self.known_units:
            self.problems.append((line, UNKNOWN_UNIT.format(code=code)))
            return None
        return code

    def major(self, name: str) -> str | None:
        if name and name not in self.data.majors:
            self.data.majors.append(name)
        return name or None

    def row(self, line: int, row: dict[str, str]) -> None:
        kind = row["type"].lower()
        if kind not in TYPES:
            self.problems.append(
                (line, UNKNOWN_TYPE.format(value=row["type"][:30], types=", ".join(TYPES)))
            )
        elif kind in ("total", "imported_electives"):
            self.count(line, kind, row["number"])
        elif kind == "core":
            self.core(line, row)
        elif kind == "elective":
            self.elective(line, row)
        else:
            self.mapping(line, row, is_equivalent=kind == "equivalent")

    def count(self, line: int, kind: str, value: str) -> None:
        try:
            number = _number(value)
        except ValueError as exc:
            self.problems.append((line, str(exc)))
            return
        if kind == "total":
            if self.total_line:
                self.problems.append((line, TOTAL_TWICE.format(line=self.total_line)))
            self.total_line, self.data.units_required = line, number
        else:
            if self.imported_line:
                self.problems.append((line, IMPORTED_TWICE.format(line=self.imported_line)))
            self.imported_line, self.data.imported_electives_limit = line, number

    def core(self, line: int, row: dict[str, str]) -> None:
        major = self.major(row["major"])
        code = self.unit(line, row["unit"].upper())
        if code is None:
            return
        core = self.data.core.setdefault(major, {})
        if code in core:
            self.problems.append((line, CORE_TWICE.format(code=code, line=core[code])))
        else:
            core[code] = line

    def elective(self, line: int, row: dict[str, str]) -> None:
        major = self.major(row["major"])
        key = row["group"]
        if not key:
            self.problems.append((line, GROUP_MISSING))
            return
        if not key.isalnum() or not key.isascii() or len(key) > 10:
            self.problems.append((line, GROUP_KEY_BAD.format(value=key[:20])))
            return
        at_least = 0
        if row["number"]:
            try:
                at_least = _number(row["number"])
            except ValueError as exc:
                self.problems.append((line, str(exc)))
                return
        group = self.data.groups.get((major, key))
        name = row["group_name"] or (group.name if group else f"Group {key}")
        if group is None:
            group = GroupData(key=key, name=name, at_least=at_least, line=line)
            self.data.groups[(major, key)] = group
        elif row["group_name"] and row["group_name"] != group.name:
            self.problems.append(
                (line, GROUP_NAME_DIFFERS.format(key=key, name=group.name, line=group.line))
            )
        elif row["number"] and at_least != group.at_least:
            self.problems.append(
                (line, GROUP_NUMBER_DIFFERS.format(key=key, number=group.at_least, line=group.line))
            )
        code = self.unit(line, row["unit"].upper())
        if code is None:
            return
        if code in group.lines:
            self.problems.append(
                (line, UNIT_IN_GROUP_TWICE.format(code=code, key=key, line=group.lines[code]))
            )
            return
        group.units.append(code)
        group.lines[code] = line

    def mapping(self, line: int, row: dict[str, str], *, is_equivalent: bool) -> None:
        old_course = row["superseded_qualification"].upper()
        old_code, new_code = row["superseded_unit"].upper(), row["unit"].upper()
        if not (old_course and old_code and new_code):
            self.problems.append((line, MAPPING_INCOMPLETE))
            return
        ok = True
        if old_course not in self.superseded:
            self.problems.append((line, UNKNOWN_QUALIFICATION.format(code=old_course)))
            ok = False
        elif self.superseded[old_course] != self.qualification:
            self.problems.append(
                (line, NOT_SUPERSEDED_BY.format(old=old_course, new=self.qualification))
            )
            ok = False
        ok = self.unit(line, old_code) is not None and ok
        ok = self.unit(line, new_code) is not None and ok
        if not ok:
            return
        if old_code == new_code:
            self.problems.append((line, MAPPED_TO_ITSELF))
        elif old_code in self.mapped:
            self.problems.append(
                (line, MAPPED_TWICE.format(code=old_code, line=self.mapped[old_code]))
            )
        else:
            self.mapped[old_code] = line
            self.data.mappings.append(Mapping(line, old_course, old_code, new_code, is_equivalent))

    def rule_problems(self) -> None:
        """Problems of the rule as a whole, placed on the line of the group they are about."""
        if self.data.units_required is None:
            self.problems.append((0, NO_TOTAL))
            return
        for problem in rule_problems(self.data.spec()):
            group = self.data.groups.get((problem.major, problem.group))
            self.problems.append((group.line if group else self.total_line, problem.message))


def rule_file_read(
    content: bytes,
    *,
    qualification: str,
    known_units: set[str],
    superseded: dict[str, str | None],
) -> RuleFile:
    """Parse and check a rule file for `qualification` (its code); raise RuleFileError.

    `known_units` are the unit codes that exist; `superseded` maps every course code to the
    code of the course that supersedes it (or None).
    """
    text = _decode(content)
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise RuleFileError([(0, NOT_CSV.format(problem=str(exc)))]) from exc
    header = [name.strip().lower() for name in rows[0]] if rows else []
    if "type" not in header:
        raise RuleFileError([(1, NO_TYPE_COLUMN)])
    unknown = [name for name in header if name and name not in COLUMNS]
    if unknown:
        raise RuleFileError(
            [(1, UNKNOWN_COLUMNS.format(names=", ".join(unknown), columns=", ".join(COLUMNS)))]
        )
    reader = _Reader(known_units, superseded, qualification)
    for line, values in enumerate(rows[1:], start=2):
        if not any(value.strip() for value in values) or values[0].lstrip().startswith("#"):
            continue
        row = dict.fromkeys(COLUMNS, "")
        for name, value in zip(header, values, strict=False):
            if name:
                row[name] = csv_unguard(value.strip())
        too_long = [name for name in COLUMNS if len(row[name]) > 100]
        if too_long:
            reader.problems.append((line, COLUMN_TOO_LONG.format(column=too_long[0])))
            continue
        reader.row(line, row)
    if not reader.problems:
        reader.rule_problems()
    if reader.problems:
        raise RuleFileError(reader.problems)
    return reader.data


def rule_file_rows(rule) -> list[list[str]]:
    """A loaded rule (selectors.rules_loaded) as the lines of a rule file, header first."""
    rows = [COLUMNS, ["total", "", "", "", str(rule.units_required), "", "", ""]]
    rows.append(["imported_electives", "", "", "", str(rule.imported_electives_limit), "", "", ""])
    majors = {major.pk: major.name for major in rule.major_list}
    rows += [["core", "", "", "", "", unit.code, "", ""] for unit in rule.core_list]
    for major in rule.major_list:
        rows += [["core", major.name, "", "", "", unit.code, "", ""] for unit in major.core_list]
    for group in rule.group_list:
        owner = majors.get(group.major_id, "")
        for unit in sorted(group.unit_list, key=lambda u: u.code):
            rows.append(
                ["elective", owner, group.key, group.name, str(group.at_least), unit.code, "", ""]
            )
    for mapping in rule.equivalence_list:
        rows.append(
            [
                "equivalent" if mapping.is_equivalent else "not_equivalent",
                "",
                "",
                "",
                "",
                mapping.unit.code,
                mapping.superseded_qualification.code,
                mapping.superseded_unit.code,
            ]
        )
    return rows
