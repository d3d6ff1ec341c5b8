"""The badge picture a baked credential travels in: a round badge naming the RTO, the kind of
credential and the course, drawn from the credential's facts (its issuance record) alone.

SVG is written directly (every text escaped by lxml); PNG is drawn with Pillow. Neither holds
the learner's name: the picture is the achievement, the credential inside says who earned it.
"""

import io
import textwrap

from lxml import etree
from PIL import Image, ImageDraw, ImageFont

SIZE = 400
NAVY = "#1f3a5f"
GOLD = "#c9a227"
WHITE = "#ffffff"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"


def badge_lines(facts: dict) -> tuple[str, str, list[str]]:
    """The RTO, the kind of credential, and the course (wrapped to fit the badge)."""
    organisation = facts["organisation"]["name"]
    kind = facts["credential"]["type_label"]
    course = facts.get("course")
    words = f"{course['code']} {course['title']}" if course else facts["credential"]["number"]
    return organisation, kind, textwrap.wrap(words, 24)[:4]


def badge_svg(facts: dict) -> bytes:
    organisation, kind, course_lines = badge_lines(facts)
    root = etree.Element(
        f"{{{SVG_NAMESPACE}}}svg",
        nsmap={None: SVG_NAMESPACE},
        attrib={"width": str(SIZE), "height": str(SIZE), "viewBox": f"0 0 {SIZE} {SIZE}"},
    )
    title = etree.SubElement(root, "title")
    title.text = f"{kind} — {organisation}"

    def add(tag, **attrib):
        return etree.SubElement(
            root, tag, attrib={k.replace("_", "-"): str(v) for k, v in attrib.items()}
        )

    add("circle", cx=200, cy=200, r=196, fill=GOLD)
    add("circle", cx=200, cy=200, r=184, fill=NAVY)
    text_style = {"fill": WHITE, "font_family": "DejaVu Sans, Arial, sans-serif"}

    def text(y, value, size, weight="normal"):
        element = add(
            "text",
            x=200,
            y=y,
            text_anchor="middle",
            font_size=size,
            font_weight=weight,
            **text_style,
        )
        element.text = value

    text(110, textwrap.shorten(organisation, 34, placeholder="…"), 16)
    text(160, kind, 24, "bold")
    for i, line in enumerate(course_lines):
        text(210 + i * 26, line, 18)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _font(size: int):
    try:
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        return ImageFont.load_default(size=size)


def badge_png(facts: dict) -> bytes:
    organisation, kind, course_lines = badge_lines(facts)
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((4, 4, SIZE - 4, SIZE - 4), fill=GOLD)
    draw.ellipse((16, 16, SIZE - 16, SIZE - 16), fill=NAVY)

    def text(y, value, size):
        draw.text((SIZE / 2, y), value, fill=WHITE, font=_font(size), anchor="ms")

    text(110, textwrap.shorten(organisation, 34, placeholder="…"), 16)
    text(160, kind, 24)
    for i, line in enumerate(course_lines):
        text(210 + i * 26, line, 18)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()
