"""The register's bulk bar: each action on the ticked credentials, stale pages, roles."""

import pytest
from django.urls import reverse

from testamur.credentials.models import Credential, CredentialStatus, GenerationRun, RunKind
from testamur.credentials.runs import CANCELLED_NOT_GENERATED, run_start
from testamur.credentials.services import NOT_FOUND, credential_cancel
from testamur.credentials.views.common import NONE_SELECTED
from testamur.credentials.views.register import NO_ACTION
from tests.factories import (
    course_make,
    credential_make,
    enrolment_make,
    learner_make,
    offer_make,
    organisation_configured,
    unit_make,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer():
    organisation_configured()
    units = [unit_make(), unit_make()]
    return offer_make(course_make(units=units), code="CHC3-2026-T1")


def _achieved(offer, **learner_fields):
    codes = {unit.code: "20" for unit in offer.course.units.all()}
    return enrolment_make(learner=learner_make(**learner_fields), offer=offer, outcomes=codes)


def _generate(actor, credentials, capture):
    with capture(execute=True):
        run, _ = run_start(actor=actor, kind=RunKind.PREVIEW, credentials=list(credentials))
    return run


def _text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_bulk_on_a_stale_page_says_so_and_changes_nothing(
    rto_admin, rto_admin_client, offer, django_capture_on_commit_callbacks
):
    credential = credential_make(_achieved(offer))
    seen = credential.revision
    credential_cancel(actor=rto_admin, credential=credential, reason="Wrong template")

    with django_capture_on_commit_callbacks(execute=True):
        response = rto_admin_client.post(
            reverse("credentials:bulk"),
            {"action": "preview", "credential": [credential.pk], f"revision-{credential.pk}": seen},
            follow=True,
        )

    assert "changed since you loaded the page" in _text(response)
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.CANCELLED


def test_bulk_regenerate_of_only_cancelled_credentials_starts_no_run_and_says_why(
    rto_admin, rto_admin_client, offer, django_capture_on_commit_callbacks
):
    credential = credential_make(_achieved(offer))
    credential_cancel(actor=rto_admin, credential=credential, reason="Wrong template")
    credential.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        response = rto_admin_client.post(
            reverse("credentials:bulk"),
            {
                "action": "regenerate",
                "credential": [credential.pk],
                f"revision-{credential.pk}": credential.revision,
            },
            follow=True,
        )

    page = _text(response)
    assert "No run started: none of the selected credentials can be regenerated." in page
    assert CANCELLED_NOT_GENERATED in page
    assert not GenerationRun.objects.exists()


def test_tampered_ids_are_ignored_with_a_message(rto_admin_client, offer):
    credential = credential_make(_achieved(offer))

    response = rto_admin_client.post(
        reverse("credentials:bulk"),
        {"action": "delete", "credential": [credential.pk, 999999, "not-a-number"]},
        follow=True,
    )

    page = _text(response)
    assert NOT_FOUND.format(count=2) in page
    assert "1 deleted." in page
    assert not Credential.objects.exists()


def test_bulk_with_nothing_selected_or_no_action_says_what_to_do(rto_admin_client, offer):
    credential = credential_make(_achieved(offer))
    url = reverse("credentials:bulk")

    assert NONE_SELECTED in _text(rto_admin_client.post(url, {"action": "delete"}, follow=True))
    no_action = rto_admin_client.post(url, {"credential": [credential.pk]}, follow=True)
    assert NO_ACTION in _text(no_action)
    assert Credential.objects.filter(pk=credential.pk).exists()


def test_bulk_delete_only_deletes_requested_and_says_why_not(
    rto_admin, rto_admin_client, offer, django_capture_on_commit_callbacks
):
    requested = credential_make(_achieved(offer, given_name="Ada", family_name="Lovelace"))
    generated = credential_make(_achieved(offer, given_name="Grace", family_name="Hopper"))
    _generate(rto_admin, [generated], django_capture_on_commit_callbacks)

    response = rto_admin_client.post(
        reverse("credentials:bulk"),
        {"action": "delete", "credential": [requested.pk, generated.pk]},
        follow=True,
    )

    page = _text(response)
    assert "1 deleted, 1 skipped: Grace Hopper: Only a credential that is still Requested" in page
    assert list(Credential.objects.values_list("pk", flat=True)) == [generated.pk]


@pytest.mark.parametrize("action", ["issue", "cancel", "delete"])
def test_user_role_cannot_use_admin_bulk_actions(rto_user_client, offer, action):
    credential = credential_make(_achieved(offer))
    response = rto_user_client.post(
        reverse("credentials:bulk"), {"action": action, "credential": [credential.pk]}
    )
    assert response.status_code == 403
    assert Credential.objects.get(pk=credential.pk).status == CredentialStatus.REQUESTED


def test_bulk_issue_and_cancel_open_their_pages_with_the_selection(rto_admin_client, offer):
    credentials = [credential_make(_achieved(offer)) for _ in range(2)]
    ids = [c.pk for c in credentials]

    issue = rto_admin_client.post(
        reverse("credentials:bulk"), {"action": "issue", "credential": ids}
    )
    cancel = rto_admin_client.post(
        reverse("credentials:bulk"), {"action": "cancel", "credential": ids}
    )

    assert issue["Location"].startswith(reverse("credentials:issue") + "?credential=")
    assert cancel["Location"].startswith(reverse("credentials:cancel_bulk") + "?credential=")
    wizard = _text(rto_admin_client.get(issue["Location"]))
    for credential in credentials:
        assert f'name="credential" value="{credential.pk}"' in wizard
