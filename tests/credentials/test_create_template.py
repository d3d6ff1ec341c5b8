"""New template (from the built-in source of its type) and Copy to a new template."""

import html

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.urls import reverse

from testamur.core.models import Event
from testamur.credentials.credential_templates import template_copy, template_create
from testamur.credentials.models import CredentialTemplate, TemplateVersionState
from testamur.credentials.rendering.engine import builtin_source
from testamur.credentials.views.templates import TEMPLATE_COPIED, TEMPLATE_CREATED
from tests.factories import SAMPLE_SVG

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return html.unescape(response.content.decode())


def builtin(credential_type: str) -> CredentialTemplate:
    return CredentialTemplate.objects.get(is_builtin=True, credential_type=credential_type)


def test_a_new_template_starts_as_a_draft_of_the_builtin_source(rto_admin):
    template = template_create(
        actor=rto_admin, name="Harbour City Testamur", credential_type="testamur"
    )

    version = template.versions.get()
    assert (version.number, version.state) == (1, TemplateVersionState.DRAFT)
    assert version.source == builtin_source("testamur")
    assert version.created_by == rto_admin
    assert version.problems == ""  # the built-in source passes the activation check
    assert template.active_version is None
    assert not template.is_builtin
    assert Event.objects.filter(
        subject_type="credential_template", subject_id=str(template.pk), action="created"
    ).exists()


def test_a_user_cannot_create_a_template(rto_user):
    with pytest.raises(PermissionDenied):
        template_create(actor=rto_user, name="Mine", credential_type="letter")
    assert not CredentialTemplate.objects.filter(name="Mine").exists()


def test_new_template_page_creates_it_and_shows_its_first_version(rto_admin_client):
    page = rto_admin_client.get(reverse("credentials:template_create"))
    assert "starts as a copy of the built-in template of its type" in _text(page)

    response = rto_admin_client.post(
        reverse("credentials:template_create"),
        {"name": "Harbour City Letter", "credential_type": "letter", "description": ""},
        follow=True,
    )

    text = _text(response)
    assert TEMPLATE_CREATED.format(name="Harbour City Letter", type="Letter") in text
    assert "Version 1" in text
    assert "None found — ready to activate" in text


def test_a_name_already_taken_is_refused_inline(rto_admin_client):
    response = rto_admin_client.post(
        reverse("credentials:template_create"),
        {"name": "Testamur (built-in)", "credential_type": "testamur"},
    )

    assert response.status_code == 200
    assert "Credential template with this Name already exists." in _text(response)
    assert CredentialTemplate.objects.filter(name="Testamur (built-in)").count() == 1


def test_copy_of_a_builtin_takes_its_active_source(rto_admin):
    original = builtin("statement_of_attainment")

    copy = template_copy(actor=rto_admin, template=original, name="Harbour City SoA")

    version = copy.versions.get()
    assert version.source == original.active_version.source
    assert version.state == TemplateVersionState.DRAFT
    assert copy.credential_type == "statement_of_attainment"
    assert not copy.is_builtin
    # The original is untouched.
    assert original.versions.count() == 1


def test_copy_of_a_custom_template_takes_its_files(rto_admin):
    original = template_create(actor=rto_admin, name="With artwork", credential_type="letter")
    asset = original.versions.get().assets.create(name="border.svg", sha256="a" * 64)
    asset.file.save("border.svg", ContentFile(SAMPLE_SVG))

    copy = template_copy(actor=rto_admin, template=original, name="With artwork (copy)")

    copied = copy.versions.get().assets.get()
    assert copied.name == "border.svg"
    with copied.file.open("rb") as handle:
        assert handle.read() == SAMPLE_SVG


def test_builtin_page_offers_copy_not_edit(rto_admin_client):
    original = builtin("testamur")

    page = _text(rto_admin_client.get(reverse("credentials:template_detail", args=[original.pk])))

    assert "Copy to a new template" in page
    assert reverse("credentials:template_edit", args=[original.pk]) not in page

    response = rto_admin_client.post(
        reverse("credentials:template_copy", args=[original.pk]),
        {"name": "Our Testamur"},
        follow=True,
    )
    assert TEMPLATE_COPIED.format(name="Our Testamur") in _text(response)
    assert CredentialTemplate.objects.get(name="Our Testamur").versions.count() == 1


def test_template_list_shows_type_active_version_and_flags(rto_user_client, rto_admin):
    template_create(actor=rto_admin, name="Harbour City Transcript", credential_type="transcript")

    page = _text(rto_user_client.get(reverse("credentials:template_list")))

    assert "Testamur (built-in)" in page
    assert "Harbour City Transcript" in page
    assert "None — cannot be used yet" in page
    assert "Built-in" in page
    # A User sees the templates but cannot make one.
    assert reverse("credentials:template_create") not in page
