"""What an issued PDF must still declare and hold after it is certified to be PDF/A-3b.

Not a full validator (veraPDF is one): the points an incremental signature can break (pyHanko
issue #755) and the ones this product relies on — the XMP identification (part 3, conformance
B), the output intent with its ICC profile, every font embedded, every associated file named
in the catalog's /AF with an /AFRelationship, a MIME type and a modification date, and every
annotation printable with no hidden flags.
"""

import io

import pikepdf

NOT_PDF = "Not a readable PDF: {reason}"
NO_PDFA_ID = (
    "The XMP metadata does not declare PDF/A-3b "
    "(pdfaid:part {part!r}, conformance {conformance!r})."
)
NO_OUTPUT_INTENT = "There is no PDF/A output intent with an ICC profile."
FONT_NOT_EMBEDDED = "Font {name} is not embedded."
FILE_NOT_ASSOCIATED = "Embedded file {name} is not an associated file of the document (/AF)."
FILE_NO_RELATIONSHIP = "Associated file {name} has no /AFRelationship."
FILE_NO_TYPE = "Embedded file {name} has no MIME type or modification date."
ANNOTATION_NOT_PRINTED = "An annotation ({subtype}) is hidden or not printed."
ENCRYPTED = "The file is encrypted."

_PRINT, _HIDDEN, _INVISIBLE, _NOVIEW = 4, 2, 1, 32


def _fonts(pdf: pikepdf.Pdf):
    seen = set()
    for page in pdf.pages:
        yield from _page_fonts(page.obj, seen)


def _page_fonts(container, seen):
    resources = container.get("/Resources")
    if resources is None:
        return
    for font in (resources.get("/Font") or {}).values():
        if font.objgen in seen and font.objgen != (0, 0):
            continue
        seen.add(font.objgen)
        yield font
        yield from font.get("/DescendantFonts") or []
        if font.get("/Subtype") == "/Type3":
            for glyph in (font.get("/CharProcs") or {}).values():
                yield from _page_fonts(glyph, seen)
    for xobject in (resources.get("/XObject") or {}).values():
        if xobject.objgen in seen and xobject.objgen != (0, 0):
            continue
        seen.add(xobject.objgen)
        if xobject.get("/Subtype") == "/Form":
            yield from _page_fonts(xobject, seen)


def pdfa_problems(pdf_bytes: bytes) -> list[str]:
    """Empty when the file still declares and holds PDF/A-3b on the points above."""
    try:
        pdf = pikepdf.open(io.BytesIO(pdf_bytes))
    except Exception as error:
        return [NOT_PDF.format(reason=error)]
    problems = []
    with pdf:
        if pdf.is_encrypted:
            problems.append(ENCRYPTED)
        meta = pdf.open_metadata()
        part, conformance = meta.get("pdfaid:part"), meta.get("pdfaid:conformance")
        if part != "3" or conformance != "B":
            problems.append(NO_PDFA_ID.format(part=part, conformance=conformance))
        intents = pdf.Root.get("/OutputIntents") or []
        if not any(
            i.get("/S") == "/GTS_PDFA1" and i.get("/DestOutputProfile") is not None for i in intents
        ):
            problems.append(NO_OUTPUT_INTENT)
        for font in _fonts(pdf):
            if font.get("/Subtype") in ("/Type0", "/Type3"):
                continue  # a composite font's glyphs are in its descendant; Type 3 is drawn
            descriptor = font.get("/FontDescriptor")
            if descriptor is None or not any(
                k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")
            ):
                problems.append(FONT_NOT_EMBEDDED.format(name=font.get("/BaseFont")))
        associated = {spec.objgen for spec in pdf.Root.get("/AF") or []}
        for name, attached in pdf.attachments.items():
            spec = attached.obj
            if spec.objgen not in associated:
                problems.append(FILE_NOT_ASSOCIATED.format(name=name))
            if "/AFRelationship" not in spec:
                problems.append(FILE_NO_RELATIONSHIP.format(name=name))
            stream = spec.EF.F
            if "/Subtype" not in stream or "/ModDate" not in (stream.get("/Params") or {}):
                problems.append(FILE_NO_TYPE.format(name=name))
        for page in pdf.pages:
            for annotation in page.obj.get("/Annots") or []:
                flags = int(annotation.get("/F", 0))
                if annotation.get("/Subtype") == "/Popup":
                    continue
                if not flags & _PRINT or flags & (_HIDDEN | _INVISIBLE | _NOVIEW):
                    problems.append(
                        ANNOTATION_NOT_PRINTED.format(subtype=annotation.get("/Subtype"))
                    )
    return problems
