"""Edit a template: every save is a new draft version; the live preview renders sample data."""

import base64
import html
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image

from testamur.credentials.credential_templates import (
    BUILTIN_NOT_EDITABLE,
    SOURCE_EMPTY,
    template_create,
    template_version_save,
)
from testamur.credentials.models import CredentialTemplate, TemplateVersionState
from testamur.credentials.rendering.content_check import pdf_text
from testamur.credentials.rendering.engine import builtin_source
from tests.factories import SAMPLE_SVG

pytestmark = pytest.mark.django_db

LETTER = builtin_source("letter")


def _text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def letter(rto_admin):
    return template_create(actor=rto_admin, name="Harbour City Letter", credential_type="letter")


def test_saving_makes_a_new_draft_and_leaves_the_old_version_alone(rto_admin, letter):
    first = letter.versions.get()
    changed = LETTER.replace("#set page(", "// Our letterhead\n#set page(", 1)

    second = template_version_save(actor=rto_admin, template=letter, source=changed)

    assert second.number == 2
    assert second.state == TemplateVersionState.DRAFT
    assert second.source == changed
    first.refresh_from_db()
    assert first.source == LETTER


def test_a_new_version_starts_with_the_files_of_the_one_it_was_edited_from(rto_admin, letter):
    first = letter.versions.get()
    first.assets.create(name="border.svg", sha256="b" * 64).file.save(
        "border.svg", ContentFile(SAMPLE_SVG)
    )

    second = template_version_save(actor=rto_admin, template=letter, source=LETTER, based_on=first)

    assert list(second.assets.values_list("name", flat=True)) == ["border.svg"]


def test_a_typst_error_is_saved_as_a_draft_with_its_line(rto_admin, letter):
    broken = LETTER.replace("#let cred = data.credential", "#let cred = (", 1)

    version = template_version_save(actor=rto_admin, template=letter, source=broken)

    assert version.state == TemplateVersionState.DRAFT
    assert "The template does not compile: Line 4, column 13" in version.problems


def test_builtin_templates_cannot_be_edited(rto_admin):
    builtin = CredentialTemplate.objects.get(is_builtin=True, credential_type="letter")

    with pytest.raises(ValidationError) as refused:
        template_version_save(actor=rto_admin, template=builtin, source=LETTER + "\nMore")

    assert refused.value.messages == [BUILTIN_NOT_EDITABLE.format(name=builtin.name)]
    assert builtin.versions.count() == 1


def test_a_user_cannot_save_a_version(rto_user, letter):
    with pytest.raises(PermissionDenied):
        template_version_save(actor=rto_user, template=letter, source=LETTER)
    assert letter.versions.count() == 1


def test_editor_shows_the_source_and_the_documented_context(rto_admin_client, letter):
    page = _text(rto_admin_client.get(reverse("credentials:template_edit", args=[letter.pk])))

    assert "#let data = json(bytes(sys.inputs.at(&quot;data&quot;)))" in html.escape(page)
    assert "data.<wbr>learner.<wbr>full_name" in page
    assert "Learner's full legal name" in page
    assert reverse("credentials:template_preview", args=[letter.pk]) in page


def test_editor_saves_a_draft_and_opens_its_version_page(rto_admin_client, letter):
    changed = LETTER.replace("#set page(", "// Our letterhead\n#set page(", 1)

    response = rto_admin_client.post(
        reverse("credentials:template_edit", args=[letter.pk]),
        {"source": changed, "based_on": 1, "action": "save"},
        follow=True,
    )

    text = _text(response)
    assert "Saved as draft version 2." in text
    assert "// Our letterhead" in text
    assert letter.versions.count() == 2


def test_editor_refuses_an_empty_source(rto_admin_client, letter):
    response = rto_admin_client.post(
        reverse("credentials:template_edit", args=[letter.pk]), {"source": "  ", "based_on": 1}
    )

    assert response.status_code == 200
    assert SOURCE_EMPTY in _text(response)
    assert letter.versions.count() == 1


def test_editor_of_a_builtin_explains_and_goes_back(rto_admin_client):
    builtin = CredentialTemplate.objects.get(is_builtin=True, credential_type="testamur")

    response = rto_admin_client.get(
        reverse("credentials:template_edit", args=[builtin.pk]), follow=True
    )

    assert BUILTIN_NOT_EDITABLE.format(name=builtin.name) in _text(response)


def test_a_user_cannot_open_the_editor(rto_user_client, letter):
    assert (
        rto_user_client.get(reverse("credentials:template_edit", args=[letter.pk])).status_code
        == 403
    )
    response = rto_user_client.post(
        reverse("credentials:template_preview", args=[letter.pk]), {"source": LETTER}
    )
    assert response.status_code == 403


def _preview(client, template, source, **extra):
    return client.post(
        reverse("credentials:template_preview", args=[template.pk]),
        {"source": source, "based_on": 1, **extra},
        HTTP_HX_REQUEST="true",
    )


def test_live_preview_shows_the_sample_document_as_page_images(rto_admin_client, letter):
    response = _preview(rto_admin_client, letter, LETTER)

    text = _text(response)
    assert response.status_code == 200
    encoded = text.split('src="data:image/png;base64,', 1)[1].split('"', 1)[0]
    image = Image.open(io.BytesIO(base64.b64decode(encoded)))
    assert image.format == "PNG"
    assert image.height > image.width  # an A4 portrait page
    assert 'alt="Page 1 of the sample Letter"' in text


def test_live_preview_shows_a_typst_error_with_its_line(rto_admin_client, letter):
    broken = LETTER.replace("#let cred = data.credential", "#let cred = (", 1)

    text = _text(_preview(rto_admin_client, letter, broken))

    assert "Line 4, column 13" in text
    assert "#let cred = (" in text
    assert "Go to line 4" in text
    assert "data:image/png" not in text


def test_live_preview_names_a_file_the_template_does_not_have(rto_admin_client, letter):
    source = LETTER + '\n#image("background.png")\n'

    text = _text(_preview(rto_admin_client, letter, source))

    assert "File not found" in text
    assert "A template can only use the files uploaded with it" in text


def test_preview_as_pdf_renders_the_posted_source_on_sample_data(rto_admin_client, letter):
    source = LETTER.replace("#set page(", "Dear colleague, a test line.\n#set page(", 1)

    response = _preview(rto_admin_client, letter, source, format="pdf")

    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Dear colleague, a test line." in text
    assert "Zoë Nguyễn-Ó Briain" in text
    assert letter.versions.count() == 1  # nothing is saved


def test_preview_as_pdf_of_a_broken_source_explains_with_the_line(rto_admin_client, letter):
    broken = LETTER.replace("#let cred = data.credential", "#let cred = (", 1)

    response = _preview(rto_admin_client, letter, broken, format="pdf")

    assert response.status_code == 422
    text = _text(response)
    assert "The preview could not be made" in text
    assert "Line 4, column 13" in text
