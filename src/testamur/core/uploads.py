"""Validation of uploaded images (logos, signatures, template artwork): PNG or safe SVG only."""

import io
import re
import xml.etree.ElementTree as ET

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError

NOT_AN_IMAGE = "Upload a PNG or SVG image. This file is neither."
TOO_LARGE = "The image is larger than {limit} KB. Please upload a smaller file."
UNSAFE_SVG = (
    "This SVG contains {what}, which is not allowed in an image. Remove it and upload again."
)
PNG_TOO_BIG = "The image is {width}×{height} pixels; the largest allowed is 6000×6000."

_SVG_NS = "{http://www.w3.org/2000/svg}"
_FORBIDDEN_TAGS = {"script", "foreignObject", "iframe", "embed", "object"}
_EXTERNAL_REF = re.compile(r"^\s*(?!#|data:image/(png|jpeg|gif);base64,)", re.IGNORECASE)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _check_svg(data: bytes) -> None:
    head = data[:2048].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        raise ValidationError(UNSAFE_SVG.format(what="a DOCTYPE or entity declaration"))
    try:
        # DOCTYPE and entities were refused above, so expat has nothing to expand.
        root = ET.fromstring(data)  # noqa: S314
    except ET.ParseError as exc:
        raise ValidationError(NOT_AN_IMAGE) from exc
    if _local(root.tag) != "svg":
        raise ValidationError(NOT_AN_IMAGE)
    for element in root.iter():
        name = _local(element.tag)
        if name in _FORBIDDEN_TAGS:
            raise ValidationError(UNSAFE_SVG.format(what=f"a <{name}> element"))
        for attr, value in element.attrib.items():
            attr_name = _local(attr)
            if attr_name.lower().startswith("on"):
                raise ValidationError(UNSAFE_SVG.format(what=f"an event handler ({attr_name})"))
            if attr_name == "href" and _EXTERNAL_REF.match(value):
                raise ValidationError(UNSAFE_SVG.format(what="a link to an outside resource"))
        if (
            name == "style"
            and element.text
            and ("url(" in element.text or "@import" in element.text)
        ):
            raise ValidationError(UNSAFE_SVG.format(what="a style that loads an outside resource"))


def _check_png(data: bytes) -> None:
    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt = image.format
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(NOT_AN_IMAGE) from exc
    if fmt != "PNG":
        raise ValidationError(NOT_AN_IMAGE)
    if width > 6000 or height > 6000:
        raise ValidationError(PNG_TOO_BIG.format(width=width, height=height))


def validate_image_upload(upload) -> str:
    """Raise ValidationError unless the upload is a PNG or a safe SVG. Returns 'png' or 'svg'."""
    limit = settings.MAX_IMAGE_UPLOAD_BYTES
    if upload.size > limit:
        raise ValidationError(TOO_LARGE.format(limit=limit // 1024))
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        _check_png(data)
        return "png"
    if b"<svg" in data[:4096]:
        _check_svg(data)
        return "svg"
    raise ValidationError(NOT_AN_IMAGE)
