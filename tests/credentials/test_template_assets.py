"""Template files: artwork, logos and fonts uploaded onto a draft version, checked on the way in."""

import html
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from testamur.core.models import Event
from testamur.core.uploads import NOT_AN_IMAGE, UNSAFE_SVG
from testamur.credentials.credential_template_assets import (
    ASSET_EXTENSION,
    ASSET_KIND_MISMATCH,
    ASSET_RESERVED,
    FONT_NOT_VALID,
    template_asset_delete,
    template_asset_upload,
)
from testamur.credentials.credential_templates import (
    NOT_A_DRAFT,
    template_create,
    template_version_activate,
    template_version_save,
)
from testamur.credentials.models import TemplateAsset, TemplateVersionState
from testamur.credentials.rendering.engine import ASSET_NAME_REFUSED, Renderer, builtin_source
from tests.factories import SAMPLE_SVG
from tests.organisation.helpers import png_bytes

pytestmark = pytest.mark.django_db

LETTER = builtin_source("letter")
WITH_BACKGROUND = LETTER.replace(
    "#set page(", '#image("background.png", width: 2cm)\n#set page(', 1
)
SYSTEM_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def _text(response) -> str:
    return html.unescape(response.content.decode())


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


@pytest.fixture
def draft(rto_admin):
    template = template_create(
        actor=rto_admin, name="Harbour City Letter", credential_type="letter"
    )
    return template.versions.get()


def refused(actor, draft, file, name="") -> dict:
    with pytest.raises(ValidationError) as caught:
        template_asset_upload(actor=actor, version=draft, upload=file, name=name)
    assert not draft.assets.exists()
    error = caught.value
    return error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}


def test_a_png_is_added_to_the_draft_under_its_own_name(rto_admin, draft):
    asset = template_asset_upload(
        actor=rto_admin, version=draft, upload=upload("background.png", png_bytes())
    )

    assert asset.name == "background.png"
    with asset.file.open("rb") as handle:
        assert handle.read() == png_bytes()
    assert Event.objects.filter(action="asset_uploaded", data__name="background.png").exists()


def test_a_file_name_with_spaces_becomes_a_safe_name(rto_admin, draft):
    asset = template_asset_upload(
        actor=rto_admin, version=draft, upload=upload("Our Logo (2026).svg", SAMPLE_SVG)
    )

    assert asset.name == "Our-Logo-2026-.svg"


def test_an_svg_with_script_is_refused(rto_admin, draft):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'

    errors = refused(rto_admin, draft, upload("logo.svg", svg))

    assert errors["file"] == [UNSAFE_SVG.format(what="a <script> element")]


def test_a_file_that_is_not_an_image_is_refused(rto_admin, draft):
    errors = refused(rto_admin, draft, upload("logo.png", b"%PDF-1.7 not an image"))

    assert errors["file"] == [NOT_AN_IMAGE]


def test_an_svg_named_as_a_png_is_refused(rto_admin, draft):
    errors = refused(rto_admin, draft, upload("logo.png", SAMPLE_SVG))

    assert errors["file"] == [ASSET_KIND_MISMATCH.format(name="logo.png", named="PNG", kind="SVG")]


def test_names_outside_the_engine_rule_are_refused(rto_admin, draft):
    errors = refused(rto_admin, draft, upload("logo.svg", SAMPLE_SVG), name="../logo.svg")
    assert errors["name"] == [ASSET_NAME_REFUSED.format(name="../logo.svg")]

    errors = refused(rto_admin, draft, upload("logo.gif", b"GIF89a"))
    assert errors["name"] == [ASSET_EXTENSION.format(name="logo.gif")]

    errors = refused(rto_admin, draft, upload("rto-logo.svg", SAMPLE_SVG))
    assert errors["name"] == [ASSET_RESERVED.format(name="rto-logo.svg")]

    # The official NRT and AQF artwork is uploaded once, in Settings (the issue gate reads it).
    errors = refused(rto_admin, draft, upload("nrt-logo.svg", SAMPLE_SVG))
    assert errors["name"] == [ASSET_RESERVED.format(name="nrt-logo.svg")]


def test_a_file_named_as_a_font_that_is_not_one_is_refused(rto_admin, draft):
    errors = refused(rto_admin, draft, upload("Brand.ttf", png_bytes()))

    assert errors["file"] == [FONT_NOT_VALID]


@pytest.mark.skipif(not SYSTEM_FONT.exists(), reason="needs Debian's fonts-dejavu-core")
def test_an_uploaded_font_is_used_by_its_template_only(rto_admin, draft, tmp_path):
    font = SYSTEM_FONT.read_bytes()
    asset = template_asset_upload(actor=rto_admin, version=draft, upload=upload("Brand.ttf", font))
    assert asset.name == "Brand.ttf"

    # Without system fonts, "DejaVu Sans" exists only where the template brought it.
    renderer = Renderer(cache_dir=tmp_path, include_system_fonts=False)
    source = '#set text(font: "DejaVu Sans")\nHello'
    renderer.render(source=source, data={}, assets={"Brand.ttf": font})
    assert renderer.last_warnings == []
    renderer.render(source=source, data={})
    assert "unknown font family: dejavu sans" in str(renderer.last_warnings)


def test_a_missing_file_is_a_typst_error_until_it_is_uploaded(rto_admin, draft):
    version = template_version_save(
        actor=rto_admin, template=draft.template, source=WITH_BACKGROUND
    )
    assert "File not found" in version.problems

    template_asset_upload(
        actor=rto_admin, version=version, upload=upload("background.png", png_bytes())
    )

    version.refresh_from_db()
    assert version.problems == ""
    activated = template_version_activate(actor=rto_admin, version=version)
    assert activated.state == TemplateVersionState.ACTIVE


def test_a_file_of_the_same_name_is_replaced(rto_admin, draft):
    template_asset_upload(actor=rto_admin, version=draft, upload=upload("mark.svg", SAMPLE_SVG))
    other = SAMPLE_SVG.replace(b"#1f4e79", b"#aa0000")

    template_asset_upload(actor=rto_admin, version=draft, upload=upload("mark.svg", other))

    asset = draft.assets.get()
    with asset.file.open("rb") as handle:
        assert handle.read() == other


def test_an_active_version_gets_no_new_files(rto_admin, draft):
    active = template_version_activate(actor=rto_admin, version=draft)

    errors = refused(rto_admin, active, upload("mark.svg", SAMPLE_SVG))

    assert errors == {"__all__": [NOT_A_DRAFT.format(number=1, state="Active", what="changed")]}


def test_removing_a_file_keeps_it_for_other_versions(rto_admin, draft):
    template_asset_upload(actor=rto_admin, version=draft, upload=upload("mark.svg", SAMPLE_SVG))
    later = template_version_save(
        actor=rto_admin, template=draft.template, source=LETTER, based_on=draft
    )
    shared = later.assets.get()

    template_asset_delete(actor=rto_admin, asset=draft.assets.get())

    assert not draft.assets.exists()
    with TemplateAsset.objects.get(pk=shared.pk).file.open("rb") as handle:
        assert handle.read() == SAMPLE_SVG


def test_upload_page_shows_a_refusal_inline_and_adds_nothing(rto_admin_client, draft):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'

    response = rto_admin_client.post(
        reverse("credentials:template_asset_upload", args=[draft.pk]),
        {"file": upload("logo.svg", svg), "name": ""},
    )

    assert response.status_code == 400
    assert UNSAFE_SVG.format(what="an event handler (onload)") in _text(response)
    assert not draft.assets.exists()


def test_upload_page_adds_the_file_and_shows_it(rto_admin_client, draft):
    response = rto_admin_client.post(
        reverse("credentials:template_asset_upload", args=[draft.pk]),
        {"file": upload("seal.svg", SAMPLE_SVG), "name": "seal.svg"},
        follow=True,
    )

    text = _text(response)
    assert "seal.svg added to version 1." in text
    asset = draft.assets.get()
    served = rto_admin_client.get(reverse("credentials:template_asset", args=[asset.pk]))
    assert served["Content-Type"] == "image/svg+xml"
    assert served["Content-Security-Policy"].startswith("default-src 'none'")
    assert served.content == SAMPLE_SVG


def test_a_user_cannot_upload(rto_user_client, draft):
    response = rto_user_client.post(
        reverse("credentials:template_asset_upload", args=[draft.pk]),
        {"file": upload("seal.svg", SAMPLE_SVG)},
    )

    assert response.status_code == 403
    assert not draft.assets.exists()
