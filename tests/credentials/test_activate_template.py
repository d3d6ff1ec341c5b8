"""Activate a draft version: the content check decides, and explains what is missing."""

import html

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from testamur.core.models import Event
from testamur.credentials.credential_templates import (
    BUILTIN_NOT_EDITABLE,
    NOT_A_DRAFT,
    NOT_ACTIVATED,
    template_create,
    template_version_activate,
    template_version_save,
)
from testamur.credentials.models import CredentialTemplate, TemplateVersionState
from testamur.credentials.rendering.content_check import (
    FORBIDDEN_USI,
    MISSING_AQF,
    MISSING_NRT_LOGO,
)
from testamur.credentials.rendering.context import SAMPLE_USI
from testamur.credentials.rendering.engine import builtin_source
from testamur.credentials.selectors import templates_available
from testamur.credentials.views.templates import VERSION_ACTIVATED, VERSION_RETIRED_NOTE

pytestmark = pytest.mark.django_db

TESTAMUR = builtin_source("testamur")
# The built-in testamur without its NRT logo and AQF logo/wording.
BARE_TESTAMUR = (
    TESTAMUR.replace(
        'image(nrt-logo, height: 1.7cm, alt: "Nationally Recognised Training logo")', "[]"
    )
    .replace(
        'image(aqf-logo, height: 1.3cm, alt: "Australian Qualifications Framework logo")', "[]"
    )
    .replace("data.statements.aqf", '""')
)


def _text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def testamur(rto_admin):
    return template_create(
        actor=rto_admin, name="Harbour City Testamur", credential_type="testamur"
    )


def test_activating_a_draft_retires_the_active_version_in_one_step(rto_admin, testamur):
    first = template_version_activate(actor=rto_admin, version=testamur.versions.get())
    second = template_version_save(actor=rto_admin, template=testamur, source=TESTAMUR + "\n")

    second = template_version_activate(actor=rto_admin, version=second)

    first.refresh_from_db()
    assert second.state == TemplateVersionState.ACTIVE
    assert second.activated_at is not None
    assert first.state == TemplateVersionState.RETIRED
    assert testamur.active_version == second
    assert testamur in templates_available()
    event = Event.objects.filter(action="version_activated", subject_id=str(testamur.pk)).last()
    assert (event.from_state, event.to_state) == ("v1", "v2")


def test_a_version_missing_required_content_stays_a_draft_and_says_what_is_missing(
    rto_admin, testamur
):
    draft = template_version_save(actor=rto_admin, template=testamur, source=BARE_TESTAMUR)

    result = template_version_activate(actor=rto_admin, version=draft)

    assert result.state == TemplateVersionState.DRAFT
    assert MISSING_NRT_LOGO in result.problems
    assert MISSING_AQF in result.problems
    assert testamur.active_version is None
    assert testamur not in templates_available()


def test_a_version_showing_a_usi_is_never_activated(rto_admin, testamur):
    source = TESTAMUR + f'\n#text("{SAMPLE_USI}")\n'
    draft = template_version_save(actor=rto_admin, template=testamur, source=source)

    result = template_version_activate(actor=rto_admin, version=draft)

    assert result.state == TemplateVersionState.DRAFT
    assert FORBIDDEN_USI.format(value=SAMPLE_USI) in result.problems


def test_a_version_with_a_typst_error_cannot_be_activated(rto_admin, testamur):
    draft = template_version_save(actor=rto_admin, template=testamur, source="#let x = (\n")

    result = template_version_activate(actor=rto_admin, version=draft)

    assert result.state == TemplateVersionState.DRAFT
    assert result.problems.startswith("The template does not compile: Line 1, column 10")


def test_only_a_draft_can_be_activated(rto_admin, testamur):
    active = template_version_activate(actor=rto_admin, version=testamur.versions.get())

    with pytest.raises(ValidationError) as refused:
        template_version_activate(actor=rto_admin, version=active)

    assert refused.value.messages == [
        NOT_A_DRAFT.format(number=1, state="Active", what="activated")
    ]


def test_builtin_versions_are_not_activated_here(rto_admin):
    builtin = CredentialTemplate.objects.get(is_builtin=True, credential_type="letter")
    draft = builtin.versions.create(number=2, source=builtin_source("letter"))

    with pytest.raises(ValidationError) as refused:
        template_version_activate(actor=rto_admin, version=draft)

    assert refused.value.messages == [BUILTIN_NOT_EDITABLE.format(name=builtin.name)]


def test_a_user_cannot_activate(rto_user, testamur):
    with pytest.raises(PermissionDenied):
        template_version_activate(actor=rto_user, version=testamur.versions.get())
    assert testamur.active_version is None


def test_activate_button_activates_and_says_which_version_was_retired(
    rto_admin, rto_admin_client, testamur
):
    template_version_activate(actor=rto_admin, version=testamur.versions.get())
    draft = template_version_save(actor=rto_admin, template=testamur, source=TESTAMUR + "\n")

    response = rto_admin_client.post(
        reverse("credentials:template_version_activate", args=[draft.pk]), follow=True
    )

    expected = VERSION_ACTIVATED.format(number=2) + VERSION_RETIRED_NOTE.format(previous=1)
    assert expected in _text(response)


def test_activate_button_lists_the_problems_on_the_version_page(
    rto_admin, rto_admin_client, testamur
):
    draft = template_version_save(actor=rto_admin, template=testamur, source=BARE_TESTAMUR)

    response = rto_admin_client.post(
        reverse("credentials:template_version_activate", args=[draft.pk]), follow=True
    )

    text = _text(response)
    assert NOT_ACTIVATED.format(number=2, count=2) in text
    assert "Why this version cannot be activated" in text
    assert MISSING_NRT_LOGO in text
    assert MISSING_AQF in text


def test_save_and_activate_from_the_editor(rto_admin_client, testamur):
    response = rto_admin_client.post(
        reverse("credentials:template_edit", args=[testamur.pk]),
        {"source": TESTAMUR, "based_on": 1, "action": "activate"},
        follow=True,
    )

    assert VERSION_ACTIVATED.format(number=2) in _text(response)
    assert testamur.active_version.number == 2


def test_detail_page_lists_versions_with_state_author_and_problems(
    rto_admin, rto_user_client, testamur
):
    template_version_save(actor=rto_admin, template=testamur, source=BARE_TESTAMUR)

    page = _text(rto_user_client.get(reverse("credentials:template_detail", args=[testamur.pk])))

    assert "Version 2" in page and "Version 1" in page
    assert rto_admin.display_name in page
    assert MISSING_NRT_LOGO in page
    # A User sees the versions but gets no Edit or Activate.
    assert reverse("credentials:template_edit", args=[testamur.pk]) not in page
    version_page = _text(
        rto_user_client.get(
            reverse("credentials:template_version", args=[testamur.versions.get(number=2).pk])
        )
    )
    assert "Activate</button>" not in version_page
