"""Template settings: name, description and whether new requests may use the template."""

import html

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from testamur.credentials.credential_templates import (
    BUILTIN_ONLY_AVAILABILITY,
    template_update,
)
from testamur.credentials.models import CredentialTemplate
from testamur.credentials.selectors import templates_available
from testamur.credentials.views.templates import TEMPLATE_SAVED

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return html.unescape(response.content.decode())


def builtin(credential_type: str) -> CredentialTemplate:
    return CredentialTemplate.objects.get(is_builtin=True, credential_type=credential_type)


def test_a_template_made_unavailable_is_no_longer_offered_for_requests(rto_admin_client):
    letter = builtin("letter")
    assert letter in templates_available()

    response = rto_admin_client.post(
        reverse("credentials:template_settings", args=[letter.pk]),
        # A built-in's name and description are shown but not editable.
        {"name": "Renamed", "description": "Changed", "is_available": ""},
        follow=True,
    )

    assert TEMPLATE_SAVED in _text(response)
    letter.refresh_from_db()
    assert not letter.is_available
    assert letter.name == "Letter (built-in)"
    assert letter not in templates_available()


def test_a_builtin_keeps_its_name(rto_admin):
    letter = builtin("letter")

    with pytest.raises(ValidationError) as refused:
        template_update(
            actor=rto_admin,
            template=letter,
            name="Our letter",
            description=letter.description,
            is_available=True,
        )

    assert refused.value.messages == [BUILTIN_ONLY_AVAILABILITY]


def test_a_user_cannot_change_settings(rto_user_client):
    letter = builtin("letter")

    response = rto_user_client.post(
        reverse("credentials:template_settings", args=[letter.pk]),
        {"name": letter.name, "is_available": ""},
    )

    assert response.status_code == 403
    letter.refresh_from_db()
    assert letter.is_available
