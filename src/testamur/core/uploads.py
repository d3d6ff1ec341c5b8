"""Validation of uploaded images (logos, signatures, template artwork): PNG or safe SVG only.

An SVG is XML that a browser may run as a page, so it passes only if every element and
attribute is on an allow-list of static drawing (no script, event handler, animation, link,
foreignObject or XHTML), every reference points inside the file (or is an embedded PNG, JPEG
or GIF), and its styles load nothing and hold no escapes. Editors' own metadata (Inkscape,
Sodipodi, RDF, Creative Commons, Dublin Core, Illustrator) is inert and allowed. Anything else
is refused with the reason; the views serving files add a sandboxing CSP as a second line.
"""

import io
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from lxml import etree
from PIL import Image, UnidentifiedImageError

NOT_AN_IMAGE = "Upload a PNG or SVG image. This file is neither."
TOO_LARGE = "The image is larger than {limit} KB. Please upload a smaller file."
UNSAFE_SVG = (
    "This SVG contains {what}, which is not allowed in an image. Remove it and upload again."
)
PNG_TOO_BIG = "The image is {width}×{height} pixels; the largest allowed is 6000×6000."

_SVG = "http://www.w3.org/2000/svg"
_XLINK = "http://www.w3.org/1999/xlink"
_XML = "http://www.w3.org/XML/1998/namespace"
# Editors' metadata: browsers give these namespaces no behaviour.
_INERT_NAMESPACES = {
    "http://www.inkscape.org/namespaces/inkscape",
    "http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://creativecommons.org/ns#",
    "http://web.resource.org/cc/",
    "http://purl.org/dc/elements/1.1/",
    "http://purl.org/dc/terms/",
    "http://ns.adobe.com/AdobeIllustrator/10.0/",
    "http://ns.adobe.com/AdobeSVGViewerExtensions/3.0/",
    "http://ns.adobe.com/Extensibility/1.0/",
    "http://ns.adobe.com/Graphs/1.0/",
    "http://ns.adobe.com/SaveForWeb/1.0/",
    "http://ns.adobe.com/Variables/1.0/",
}
_ELEMENTS = frozenset(
    """svg g defs symbol use title desc metadata switch style path rect circle ellipse line
    polyline polygon text tspan textPath linearGradient radialGradient stop pattern
    clipPath mask marker image filter feBlend feColorMatrix feComponentTransfer
    feComposite feConvolveMatrix feDiffuseLighting feDisplacementMap feDistantLight
    feDropShadow feFlood feFuncA feFuncB feFuncG feFuncR feGaussianBlur feImage feMerge
    feMergeNode feMorphology feOffset fePointLight feSpecularLighting feSpotLight feTile
    feTurbulence""".split()  # noqa: SIM905 - a readable list
)
_ATTRIBUTES = frozenset(
    """id class style lang version baseProfile viewBox preserveAspectRatio x y x1 y1 x2 y2 cx
    cy r rx ry fx fy fr width height d points dx dy rotate pathLength transform href
    gradientUnits gradientTransform spreadMethod offset stop-color stop-opacity patternUnits
    patternContentUnits patternTransform clipPathUnits maskUnits maskContentUnits clip-path
    clip-rule clip mask markerWidth markerHeight markerUnits refX refY orient marker-start
    marker-mid marker-end font-family font-size font-size-adjust font-style font-weight
    font-variant font-stretch font text-anchor dominant-baseline alignment-baseline
    baseline-shift letter-spacing word-spacing text-decoration writing-mode direction
    unicode-bidi lengthAdjust textLength startOffset method spacing side fill fill-opacity
    fill-rule stroke stroke-width stroke-linecap stroke-linejoin stroke-miterlimit
    stroke-dasharray stroke-dashoffset stroke-opacity opacity color display visibility
    overflow paint-order vector-effect shape-rendering image-rendering text-rendering
    color-interpolation color-interpolation-filters color-rendering color-profile isolation
    mix-blend-mode enable-background flood-color flood-opacity lighting-color filter
    filterUnits primitiveUnits filterRes in in2 result stdDeviation mode type values operator
    k1 k2 k3 k4 scale xChannelSelector yChannelSelector radius surfaceScale diffuseConstant
    specularConstant specularExponent kernelMatrix order divisor bias targetX targetY edgeMode
    kernelUnitLength preserveAlpha baseFrequency numOctaves seed stitchTiles tableValues slope
    intercept amplitude exponent azimuth elevation pointsAtX pointsAtY pointsAtZ
    limitingConeAngle z requiredFeatures requiredExtensions systemLanguage""".split()  # noqa: SIM905 - a readable list
)
_XML_ATTRIBUTES = {"space", "lang"}
_LOCAL_REF = re.compile(r"#[A-Za-z_][\w.:-]*")
_EMBEDDED_IMAGE = re.compile(r"data:image/(png|jpeg|gif);base64,[A-Za-z0-9+/=\s]*", re.IGNORECASE)
# url(...) in a style or an attribute: only to something in this file.
_URL = re.compile(r"url\s*\(\s*(['\"]?)(?P<target>[^)'\"]*)\1\s*\)", re.IGNORECASE)
_CSS_LOADS = re.compile(r"@import|expression\s*\(|behavior\s*:|-moz-binding|javascript:", re.I)


def _name(qualified: str) -> tuple[str, str]:
    """(namespace, local name) of an lxml tag or attribute name."""
    if qualified.startswith("{"):
        namespace, local = qualified[1:].split("}", 1)
        return namespace, local
    return "", qualified


def _refuse(what: str) -> ValidationError:
    return ValidationError(UNSAFE_SVG.format(what=what))


def _check_css(text: str) -> None:
    if "\\" in text:
        raise _refuse("a style with escaped characters")
    if _CSS_LOADS.search(text):
        raise _refuse("a style that loads an outside resource")
    _check_urls(text, "a style that loads an outside resource")


def _check_urls(text: str, what: str) -> None:
    for match in _URL.finditer(text):
        if not _LOCAL_REF.fullmatch(match["target"].strip()):
            raise _refuse(what)
    if "url(" in text.lower().replace(" ", "") and not _URL.search(text):
        raise _refuse(what)


def _check_attribute(element_name: str, attr: str, value: str) -> None:
    namespace, name = _name(attr)
    if namespace in _INERT_NAMESPACES:
        return
    if name.lower().startswith("on"):
        raise _refuse(f"an event handler ({name})")
    if namespace == _XML and name in _XML_ATTRIBUTES:
        return
    if namespace not in ("", _XLINK) or (namespace == _XLINK and name != "href"):
        raise _refuse(f"an attribute it may not have ({name})")
    if name not in _ATTRIBUTES:
        raise _refuse(f"an attribute it may not have ({name})")
    if name == "href":
        embedded = element_name in ("image", "feImage") and _EMBEDDED_IMAGE.fullmatch(value)
        if not (_LOCAL_REF.fullmatch(value.strip()) or embedded):
            raise _refuse("a link to an outside resource")
        return
    if "javascript:" in value.lower().replace(" ", ""):
        raise _refuse("a link to an outside resource")
    if name == "style":
        _check_css(value)
    else:
        _check_urls(value, "a link to an outside resource")


def _check_svg(data: bytes) -> None:
    head = data[:2048].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        raise _refuse("a DOCTYPE or entity declaration")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ValidationError(NOT_AN_IMAGE) from exc
    if _name(root.tag) != (_SVG, "svg"):
        raise ValidationError(NOT_AN_IMAGE)
    for node in root.iter():
        if isinstance(node, etree._ProcessingInstruction):
            raise _refuse(f"a processing instruction (<?{node.target}?>)")
        if not isinstance(node.tag, str):  # comments
            continue
        namespace, name = _name(node.tag)
        if namespace in _INERT_NAMESPACES:
            for attr in node.attrib:
                if _name(attr)[0] not in _INERT_NAMESPACES | {""}:
                    raise _refuse(f"an attribute it may not have ({_name(attr)[1]})")
            continue
        if namespace != _SVG or name not in _ELEMENTS:
            raise _refuse(f"a <{name}> element")
        for attr, value in node.attrib.items():
            _check_attribute(name, attr, value)
        if name == "style":
            _check_css(node.text or "")
    for sibling in (*root.itersiblings(preceding=True), *root.itersiblings()):
        if isinstance(sibling, etree._ProcessingInstruction):
            raise _refuse(f"a processing instruction (<?{sibling.target}?>)")


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
