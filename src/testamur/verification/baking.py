"""Baked badges: an Open Badges 3.0 credential inside its own PNG or SVG image, per the OB 3.0
baking rules (1EdTech Open Badges 3.0, "Badge Baking").

- PNG: one `iTXt` chunk, keyword `openbadgecredential`, uncompressed, no language tag, whose
  text is the credential's JSON; put before `IEND`, replacing any such chunk already there.
- SVG: the root declares `xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"` and holds one
  `<openbadges:credential>` element, first child of the root, with the JSON in a CDATA section.

`unbake` reads either back from any bytes a visitor drops on a page: it returns the credential
dict, or None for anything else (not an image, no credential, malformed, too big). It never
raises, never fetches anything, and never expands XML entities or reads a DTD.
"""

import json
import struct
import zlib

from lxml import etree

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_KEYWORD = b"openbadgecredential"
OB3_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
# A credential is a few kilobytes; an image a visitor drops is bounded by the page's upload
# limit. Beyond these, unbake says "no credential" instead of working through it.
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_CREDENTIAL_BYTES = 1024 * 1024


def _json_of(credential: dict) -> str:
    return json.dumps(credential, ensure_ascii=False, separators=(",", ":"))


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def _png_chunks(data: bytes):
    """(type, body, start, end) of each chunk; stops at IEND or at the first broken chunk."""
    position = len(PNG_SIGNATURE)
    while position + 12 <= len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        end = position + 12 + length
        if end > len(data):
            return
        body = data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[end - 4 : end])
        if zlib.crc32(kind + body) & 0xFFFFFFFF != crc:
            return
        yield kind, body, position, end
        if kind == b"IEND":
            return
        position = end


def _is_credential_chunk(kind: bytes, body: bytes) -> bool:
    return kind == b"iTXt" and body.split(b"\0", 1)[0] == PNG_KEYWORD


def bake_png(image: bytes, credential: dict) -> bytes:
    """`image` (a PNG) with `credential` baked in. Raises ValueError if it is not a PNG."""
    if not image.startswith(PNG_SIGNATURE):
        raise ValueError("Not a PNG image.")
    kept, iend_at = [], None
    for kind, body, start, end in _png_chunks(image):
        if kind == b"IEND":
            iend_at = start
            break
        if not _is_credential_chunk(kind, body):
            kept.append(image[start:end])
    if iend_at is None:
        raise ValueError("The PNG image has no end (IEND chunk).")
    # keyword, NUL, compression flag 0, method 0, empty language tag, empty translated keyword
    text = PNG_KEYWORD + b"\0\0\0\0\0" + _json_of(credential).encode("utf-8")
    return b"".join([PNG_SIGNATURE, *kept, _png_chunk(b"iTXt", text), _png_chunk(b"IEND", b"")])


def _png_credential_text(data: bytes) -> str | None:
    for kind, body, _start, _end in _png_chunks(data):
        if not _is_credential_chunk(kind, body):
            continue
        rest = body[len(PNG_KEYWORD) + 1 :]
        if len(rest) < 2:
            return None
        compressed, method, rest = rest[0], rest[1], rest[2:]
        parts = rest.split(b"\0", 2)
        if len(parts) != 3:
            return None
        text = parts[2]
        if compressed:
            if method != 0:
                return None
            inflater = zlib.decompressobj()
            text = inflater.decompress(text, MAX_CREDENTIAL_BYTES + 1)
            if len(text) > MAX_CREDENTIAL_BYTES:
                return None
        return text.decode("utf-8")
    return None


def _svg_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def bake_svg(image: bytes | str, credential: dict) -> bytes:
    """`image` (an SVG document) with `credential` baked in, any earlier one replaced.
    Raises ValueError if it is not an SVG."""
    if isinstance(image, str):
        image = image.encode("utf-8")
    try:
        root = etree.fromstring(image, _svg_parser())
    except etree.XMLSyntaxError as error:
        raise ValueError(f"Not an SVG image: {error}") from None
    if root.tag != f"{{{SVG_NAMESPACE}}}svg":
        raise ValueError("Not an SVG image.")
    # The namespace must be declared on the root: rebuild it with the declaration added.
    nsmap = {**root.nsmap, "openbadges": OB3_NAMESPACE}
    baked = etree.Element(root.tag, attrib=dict(root.attrib), nsmap=nsmap)
    baked.text = root.text
    element = etree.SubElement(baked, f"{{{OB3_NAMESPACE}}}credential")
    element.text = etree.CDATA(_json_of(credential))
    element.tail = "\n"
    for child in root:
        if child.tag != f"{{{OB3_NAMESPACE}}}credential":
            baked.append(child)
    return etree.tostring(baked, xml_declaration=True, encoding="UTF-8")


def _svg_credential_text(data: bytes) -> str | None:
    root = etree.fromstring(data, _svg_parser())
    if root.tag != f"{{{SVG_NAMESPACE}}}svg":
        return None
    found = root.findall(f"{{{OB3_NAMESPACE}}}credential")
    if len(found) != 1:  # the rules allow one; two is not a credential we can trust to read
        return None
    return found[0].text


def unbake(data) -> dict | None:
    """The credential baked into a PNG or SVG image, or None. Never raises."""
    try:
        if not isinstance(data, (bytes, bytearray, memoryview)) or len(data) > MAX_IMAGE_BYTES:
            return None
        data = bytes(data)
        if data.startswith(PNG_SIGNATURE):
            text = _png_credential_text(data)
        elif data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
            text = _svg_credential_text(data)
        else:
            return None
        if not text or len(text) > MAX_CREDENTIAL_BYTES:
            return None
        credential = json.loads(text)
    except Exception:  # any bytes at all: a malformed image is "no credential", not an error
        return None
    return credential if isinstance(credential, dict) else None
