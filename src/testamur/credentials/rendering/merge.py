"""The combined print PDF of a generation run (DESIGN.md rule 8).

The print version is unsigned and unlocked, and says in its metadata that it must never be
sent digitally.

Memory stays flat however many credentials a run has: each input is opened with pikepdf, the
objects its pages use are written straight to the output file, and the input is closed before
the next is opened. (Copying pages into one pikepdf document keeps every input's objects in
memory until the final save: about 150 KB per credential.) Only the byte offset of each
written object is kept, for the cross-reference table at the end.
"""

import hashlib
import re
from array import array
from collections import deque
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

import pikepdf
from pikepdf import ObjectType

PRINT_NOTE = "Print version — do not send digitally"
PRODUCER = "Testamur"

_CATALOG, _PAGES, _INFO = 1, 2, 3
_REFERENCE = re.compile(rb"(\d+) (\d+) R")
# A literal string, or a hex string (a "<" not opening a dictionary).
_STRING = re.compile(rb"\(|<[0-9A-Fa-f>]")
# Page keys that point into the source document's own catalog (structure tree, signature
# form); they mean nothing in the combined file.
_PAGE_KEYS_DROPPED = {"/Parent", "/StructParents"}


class _Writer:
    def __init__(self, file):
        self.file = file
        self.offsets = array("Q", [0, 0, 0, 0])  # index = object number; 0 is the free head
        self.position = 0

    def write(self, data: bytes) -> None:
        self.file.write(data)
        self.position += len(data)

    def reserve(self) -> int:
        self.offsets.append(0)
        return len(self.offsets) - 1

    def begin(self, number: int) -> None:
        self.offsets[number] = self.position
        self.write(b"%d 0 obj\n" % number)


def _serialize(value, ref, parts: list[bytes], *, body: bool = False) -> None:
    """Append `value` in PDF syntax; indirect objects inside become references, except
    the object whose body is being written (`body`)."""
    if isinstance(value, pikepdf.Object):
        if value.is_indirect and not body:
            parts.append(b"%d 0 R" % ref(value.objgen))
            return
        kind = value._type_code
        if kind == ObjectType.dictionary or kind == ObjectType.array:
            # Written by QPDF in one call, its references renumbered, unless it holds a string
            # (whose text could look like a reference): then walked item by item.
            raw = value.unparse(resolved=True)
            if not _STRING.search(raw):
                parts.append(_REFERENCE.sub(lambda m: b"%d 0 R" % ref((int(m[1]), int(m[2]))), raw))
                return
        if kind == ObjectType.dictionary:
            parts.append(b"<<")
            for key, item in value.items():
                parts.append(pikepdf.Name(key).unparse() + b" ")
                _serialize(item, ref, parts)
                parts.append(b"\n")
            parts.append(b">>")
        elif kind == ObjectType.array:
            parts.append(b"[")
            for item in value:
                _serialize(item, ref, parts)
                parts.append(b" ")
            parts.append(b"]")
        else:
            parts.append(value.unparse())
    elif value is True or value is False:
        parts.append(b"true" if value else b"false")
    elif isinstance(value, int):
        parts.append(b"%d" % value)
    elif isinstance(value, Decimal | float):
        parts.append(format(Decimal(value), "f").encode())
    elif value is None:
        parts.append(b"null")
    else:
        raise TypeError(f"Unexpected PDF value {value!r}")


def _is_signature(annotation: pikepdf.Object) -> bool:
    field = annotation.get("/Parent", annotation) if "/FT" not in annotation else annotation
    return field.get("/FT") == "/Sig"


def _copy_pages(source: pikepdf.Pdf, writer: _Writer, page_numbers: list[int]) -> None:
    numbers: dict[tuple[int, int], int] = {}
    queue: deque = deque()

    def ref(key: tuple[int, int]) -> int:
        number = numbers.get(key)
        if number is None:
            number = numbers[key] = writer.reserve()
            queue.append((number, key))
        return number

    own_pages = [ref(page.obj.objgen) for page in source.pages]
    page_numbers.extend(own_pages)
    page_set = set(own_pages)

    while queue:
        number, key = queue.popleft()
        obj = source.get_object(key)
        parts: list[bytes] = []
        if number in page_set:
            parts.append(b"<</Parent %d 0 R\n" % _PAGES)
            for key, item in obj.items():
                if key in _PAGE_KEYS_DROPPED:
                    continue
                if key == "/Annots":
                    item = pikepdf.Array([a for a in item if not _is_signature(a)])
                parts.append(pikepdf.Name(key).unparse() + b" ")
                _serialize(item, ref, parts)
                parts.append(b"\n")
            parts.append(b">>")
        elif obj._type_code == ObjectType.stream:
            data = obj.read_raw_bytes()
            # The bytes written are these, whatever length the source claimed (set on the
            # source in memory only: it is opened read-only and closed unsaved).
            obj.stream_dict.Length = len(data)
            _serialize(obj.stream_dict, ref, parts, body=True)
            parts += (b"\nstream\n", data, b"\nendstream")
        else:
            _serialize(obj, ref, parts, body=True)
        writer.begin(number)
        writer.write(b"".join(parts) + b"\nendobj\n")


_XREF_SLICE = 4096


def merge_pdfs(paths: Iterable[Path], out_path: Path, *, label: str | None = None) -> int:
    """Write the pages of every PDF in `paths`, in order, to `out_path`; return the page count.

    Signature fields are left out: the print copy is not the issued, signed document.
    """
    title = f"{label} — {PRINT_NOTE}" if label else PRINT_NOTE
    page_numbers: list[int] = []
    digest = hashlib.sha256(title.encode())
    with open(out_path, "wb") as file:
        writer = _Writer(file)
        writer.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        for path in paths:
            digest.update(str(path).encode())
            with pikepdf.open(path) as source:
                _copy_pages(source, writer, page_numbers)

        writer.begin(_PAGES)
        kids = b" ".join(b"%d 0 R" % n for n in page_numbers)
        writer.write(b"<</Type /Pages /Count %d /Kids [%s]>>\nendobj\n" % (len(page_numbers), kids))
        writer.begin(_CATALOG)
        writer.write(b"<</Type /Catalog /Pages %d 0 R>>\nendobj\n" % _PAGES)
        writer.begin(_INFO)
        info = [b"<</Title ", pikepdf.String(title).unparse(), b" /Subject "]
        info += [pikepdf.String(PRINT_NOTE).unparse(), b" /Producer "]
        info += [pikepdf.String(PRODUCER).unparse(), b">>\nendobj\n"]
        writer.write(b"".join(info))

        xref_at = writer.position
        size = len(writer.offsets)
        writer.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
        # In slices: a run of thousands of documents has hundreds of thousands of entries,
        # which held at once were the finalising worker's largest allocation.
        for start in range(1, size, _XREF_SLICE):
            end = min(start + _XREF_SLICE, size)
            writer.write(
                b"".join(b"%010d 00000 n \n" % writer.offsets[n] for n in range(start, end))
            )
        file_id = digest.hexdigest()[:32].encode()
        writer.write(
            b"trailer\n<</Size %d /Root %d 0 R /Info %d 0 R /ID [<%s> <%s>]>>\n"
            b"startxref\n%d\n%%%%EOF\n" % (size, _CATALOG, _INFO, file_id, file_id, xref_at)
        )
    return len(page_numbers)
