"""Logos and signatures: PNG or safe SVG only, served back to staff so they cannot run anything."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from testamur.accounts.roles import Role
from testamur.core.downloads import IMAGE_POLICY, PRIVATE_HEADERS
from testamur.core.uploads import NOT_AN_IMAGE, PNG_TOO_BIG, TOO_LARGE, validate_image_upload
from testamur.organisation.models import Organisation
from tests.factories import SAMPLE_SVG
from tests.organisation.helpers import (
    page_text,
    png_bytes,
    png_upload,
    settings_data,
    svg_upload,
)

URL = reverse("organisation:settings")
LOGO_URL = reverse("organisation:logo")


def upload_logo(client, upload):
    return client.post(URL, {**settings_data(), "logo": upload}, follow=True)


def test_a_text_file_renamed_png_is_refused(owner_client):
    fake = SimpleUploadedFile("logo.png", b"Just some notes, not a picture.\n", "image/png")

    response = upload_logo(owner_client, fake)

    text = page_text(response)
    assert "Upload a PNG or SVG image" in text
    assert NOT_AN_IMAGE in text
    organisation = Organisation.load()
    assert not organisation.logo
    assert organisation.legal_name == ""


def test_a_jpeg_is_refused(owner_client):
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, format="JPEG")
    jpeg = SimpleUploadedFile("logo.png", buffer.getvalue(), "image/png")

    response = upload_logo(owner_client, jpeg)

    assert NOT_AN_IMAGE in page_text(response)
    assert not Organisation.load().logo


UNSAFE = [
    (
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "a <script> element",
    ),
    (
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>',
        "an event handler (onload)",
    ),
    (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        b'<image xlink:href="https://tracker.example/p.png" width="5" height="5"/></svg>',
        "a link to an outside resource",
    ),
    (
        b'<svg xmlns="http://www.w3.org/2000/svg"><use href="http://evil.example/x.svg#a"/></svg>',
        "a link to an outside resource",
    ),
    (
        b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>hi</p></foreignObject></svg>',
        "a <foreignObject> element",
    ),
    (
        b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(http://x.example/a.css);'
        b"</style></svg>",
        "a style that loads an outside resource",
    ),
    (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg"><text>&a;</text></svg>',
        "a DOCTYPE or entity declaration",
    ),
    # What passed the old check (security review): animation that sets a link to script,
    # XHTML inside the SVG, attributes that load, styles that load through url() or escapes.
    (
        b'<svg xmlns="http://www.w3.org/2000/svg"><a><animate attributeName="href" '
        b'values="javascript:alert(1)"/><text y="20">Open</text></a></svg>',
        "a <a> element",
    ),
    (
        b'<svg xmlns="http://www.w3.org/2000/svg"><set attributeName="onmouseover" '
        b'to="alert(1)"/></svg>',
        "a <set> element",
    ),
    (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:h="http://www.w3.org/1999/xhtml">'
        b'<h:meta http-equiv="refresh" content="0;url=https://evil.example/"/></svg>',
        "a <meta> element",
    ),
    (
        b'<svg xmlns="http://www.w3.org/2000/svg"><image src="https://evil.example/p.png"/></svg>',
        "an attribute it may not have (src)",
    ),
    (
        b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="5" height="5" '
        b'style="fill:url(https://evil.example/p.svg#g)"/></svg>',
        "a style that loads an outside resource",
    ),
    (
        b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="5" height="5" '
        b'fill="url(https://evil.example/p.svg#g)"/></svg>',
        "a link to an outside resource",
    ),
    (
        b'<svg xmlns="http://www.w3.org/2000/svg"><style>rect { fill: u\\72l(https://evil.example/'
        b"p.svg#g) }</style></svg>",
        "a style with escaped characters",
    ),
    (
        b'<?xml-stylesheet href="https://evil.example/a.css"?>'
        b'<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>',
        "a processing instruction (<?xml-stylesheet?>)",
    ),
]


@pytest.mark.parametrize("data,reason", UNSAFE, ids=[reason for _, reason in UNSAFE])
def test_an_unsafe_svg_is_refused_with_the_reason(data, reason, owner_client):
    response = upload_logo(owner_client, svg_upload(data))

    text = page_text(response)
    assert f"This SVG contains {reason}, which is not allowed" in text
    assert not Organisation.load().logo


def test_a_broken_svg_is_refused(owner_client):
    response = upload_logo(owner_client, svg_upload(b"<svg><rect></svg"))

    assert NOT_AN_IMAGE in page_text(response)


def test_a_png_logo_is_accepted_and_served_as_png(owner_client):
    response = upload_logo(owner_client, png_upload("My Logo.PNG"))

    assert "Organisation settings saved." in page_text(response)
    assert f'src="{LOGO_URL}?v=' in page_text(response)
    served = owner_client.get(LOGO_URL)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served.content == png_bytes()
    for header, value in PRIVATE_HEADERS.items():
        assert served[header] == value
    assert served["Content-Security-Policy"] == IMAGE_POLICY
    assert Organisation.load().logo.name.endswith(".png")


def test_an_svg_logo_is_accepted_and_served_as_svg(owner_client):
    upload_logo(owner_client, svg_upload(name="logo.svg"))

    served = owner_client.get(LOGO_URL)
    assert served["Content-Type"] == "image/svg+xml"
    assert served.content == SAMPLE_SVG
    assert served["Content-Security-Policy"] == IMAGE_POLICY
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Cache-Control"] == "no-store"


def test_an_svg_uploaded_with_a_png_name_is_stored_and_served_as_svg(owner_client):
    upload_logo(owner_client, svg_upload(name="logo.png"))

    assert Organisation.load().logo.name.endswith(".svg")
    assert owner_client.get(LOGO_URL)["Content-Type"] == "image/svg+xml"


def test_an_svg_with_local_references_and_embedded_png_is_accepted():
    data = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        b'<defs><rect id="r" width="4" height="4"/></defs><use xlink:href="#r"/>'
        b'<image href="data:image/png;base64,iVBORw0KGgo=" width="1" height="1"/></svg>'
    )

    assert validate_image_upload(svg_upload(data)) == "svg"


def test_an_svg_saved_by_a_drawing_program_with_its_metadata_is_accepted():
    data = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<svg xmlns="http://www.w3.org/2000/svg" '
        b'xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" '
        b'xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd" '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        b'xmlns:dc="http://purl.org/dc/elements/1.1/" width="40mm" height="20mm" '
        b'viewBox="0 0 40 20" version="1.1" sodipodi:docname="logo.svg">'
        b'<sodipodi:namedview id="nv" inkscape:zoom="2"/><metadata><rdf:RDF><dc:title>Logo'
        b"</dc:title></rdf:RDF></metadata>"
        b'<defs><linearGradient id="g"><stop offset="0" stop-color="#123"/></linearGradient>'
        b'</defs><g inkscape:label="Layer 1" inkscape:groupmode="layer">'
        b'<rect style="fill:url(#g);stroke:none" width="40" height="20"/>'
        b'<text x="2" y="12" font-family="DejaVu Sans" xml:space="preserve">HCT</text></g></svg>'
    )

    assert validate_image_upload(svg_upload(data)) == "svg"


def test_an_oversized_image_is_refused(owner_client, settings):
    settings.MAX_IMAGE_UPLOAD_BYTES = 1024
    big = SimpleUploadedFile("logo.png", png_bytes() + b"\0" * 2048, "image/png")

    response = upload_logo(owner_client, big)

    assert TOO_LARGE.format(limit=1) in page_text(response)
    assert not Organisation.load().logo


def test_a_png_with_huge_dimensions_is_refused(owner_client):
    response = upload_logo(owner_client, png_upload(width=6001, height=1))

    assert PNG_TOO_BIG.format(width=6001, height=1) in page_text(response)
    assert not Organisation.load().logo


def test_a_truncated_png_is_refused():
    broken = SimpleUploadedFile("logo.png", png_bytes()[:40], "image/png")

    with pytest.raises(ValidationError) as caught:
        validate_image_upload(broken)

    assert caught.value.messages == [NOT_AN_IMAGE]


def test_the_logo_is_404_until_one_is_uploaded(owner_client):
    assert owner_client.get(LOGO_URL).status_code == 404


@pytest.mark.parametrize("role", [Role.ADMIN, Role.USER], ids=lambda r: r.value)
def test_every_role_may_see_the_logo(role, role_client, owner_client):
    upload_logo(owner_client, png_upload())

    assert role_client(role).get(LOGO_URL).status_code == 200


def test_visitors_who_have_not_signed_in_cannot_see_the_logo(client, owner_client):
    upload_logo(owner_client, png_upload())

    response = client.get(LOGO_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
