"""Reading a set of NAT files: which file is which, and their lines one at a time."""

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from testamur.interchange.avetmiss.fixed_width import Field, Layout, parse_line
from testamur.interchange.avetmiss.layouts import LAYOUTS
from testamur.interchange.problems import Problems

FILE_TWICE = "There are two {file} files ({first} and {second}); upload one of each."
NO_NAT_FILES = (
    "None of the files is a NAT file Testamur reads (NAT00010, 00020, 00030, 00060, 00080, "
    "00085, 00090, 00100, 00120, 00130). Name each file after its NAT number, e.g. NAT00120.txt."
)
NOT_TEXT_ENCODING = (
    "This file is not ASCII or UTF-8 text (byte 0x{byte:02X} at position {position}). "
    "AVETMISS files are plain ASCII text: export them again, or save them as ASCII or UTF-8."
)
UTF16_FILE = "This file is saved as UTF-16; AVETMISS files are plain ASCII text. Save it as ASCII."

_NAT_NAME = re.compile(r"NAT(\d{5}A?)", re.IGNORECASE)
_BY_FILE = {layout.file: layout for layout in LAYOUTS}


@dataclass(frozen=True)
class NatFile:
    layout: Layout
    member: zipfile.ZipInfo

    @property
    def name(self) -> str:
        return self.member.filename.rsplit("/", 1)[-1]


def nat_type(filename: str) -> str | None:
    """NAT00120 for 'NAT00120.txt', 'rto_NAT00120_2025.TXT'…; None for other files."""
    match = _NAT_NAME.search(filename.rsplit("/", 1)[-1])
    return f"NAT{match[1].upper()}" if match else None


def nat_files(archive: zipfile.ZipFile, problems: Problems) -> tuple[dict[str, NatFile], list[str]]:
    """The NAT files Testamur reads, by type; and the names of the files it does not read."""
    found: dict[str, NatFile] = {}
    ignored = []
    for member in archive.infolist():
        name = member.filename.rsplit("/", 1)[-1]
        if member.is_dir() or name.startswith(".") or "__MACOSX" in member.filename:
            continue
        kind = nat_type(name)
        if kind not in _BY_FILE:
            ignored.append(name)
            continue
        if kind in found:
            problems.add(FILE_TWICE.format(file=kind, first=found[kind].name, second=name))
            continue
        found[kind] = NatFile(_BY_FILE[kind], member)
    if not found and not problems:
        problems.add(NO_NAT_FILES)
    return found, ignored


def nat_records(
    archive: zipfile.ZipFile, nat: NatFile, problems: Problems
) -> Iterator[tuple[int, dict, "LineReport"]]:
    """(line number, fields, reporter) for each line that has the right shape.

    Lines with a problem are reported and left out. A file in a wrong encoding gets one
    problem and nothing more is read from it.
    """
    with archive.open(nat.member) as raw:
        for number, data in enumerate(raw, start=1):
            if number == 1:
                if data.startswith((b"\xff\xfe", b"\xfe\xff")):
                    problems.add(UTF16_FILE, file=nat.name)
                    return
                data = data.removeprefix(b"\xef\xbb\xbf")
            data = data.rstrip(b"\r\n")
            if not data:
                continue
            try:
                if b"\x00" in data:
                    raise UnicodeDecodeError("utf-8", data, data.index(b"\x00"), 0, "NUL")
                line = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                problems.add(
                    NOT_TEXT_ENCODING.format(byte=data[exc.start], position=exc.start + 1),
                    file=nat.name,
                    row=number,
                )
                return
            report = LineReport(problems, nat, number)
            fields = parse_line(nat.layout, line, report)
            if fields is not None:
                yield number, fields, report


class LineReport:
    """Records problems on one line of one file, naming the field by label and positions."""

    def __init__(self, problems: Problems, nat: NatFile, number: int):
        self.problems, self.nat, self.number = problems, nat, number
        self.count = 0

    def __call__(self, message: str, field: Field | str | None = None) -> None:
        if isinstance(field, str):
            field = next(f for f in self.nat.layout.fields if f.name == field)
        self.count += 1
        self.problems.add(
            message, file=self.nat.name, row=self.number, column=field.where if field else ""
        )
