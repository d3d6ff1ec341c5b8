"""Cancel one credential, or many from the bulk bar: a reason is required and kept."""

import pytest
from django.urls import reverse

from testamur.credentials.models import Credential, CredentialStatus
from testamur.credentials.services import (
    REASON_REQUIRED,
    credential_cancel,
)
from tests.credentials.pages import (
    issued_testamur,
    one_unit_offer,
    page_text,
    requested_testamur,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer():
    return one_unit_offer()


@pytest.fixture
def issued(rto_admin, django_capture_on_commit_callbacks, offer):
    return issued_testamur(
        rto_admin, django_capture_on_commit_callbacks, offer, given_name="Mia", family_name="Nguyen"
    )


def test_cancel_page_warns_what_cancelling_means(rto_admin_client, issued):
    page = page_text(rto_admin_client.get(reverse("credentials:cancel", args=[issued.pk])))
    assert "Cancelling keeps the credential in the register; it cannot be undone." in page
    assert "The document stays stored." in page
    assert issued.number in page


def test_cancel_without_a_reason_is_refused_inline_and_nothing_changes(rto_admin_client, issued):
    response = rto_admin_client.post(
        reverse("credentials:cancel", args=[issued.pk]),
        {"reason": "  ", "revision": issued.revision},
    )

    assert REASON_REQUIRED in page_text(response)
    issued.refresh_from_db()
    assert issued.status == CredentialStatus.ISSUED


def test_cancel_with_a_reason_keeps_it_in_the_register(rto_admin_client, issued):
    response = rto_admin_client.post(
        reverse("credentials:cancel", args=[issued.pk]),
        {"reason": "Maiden name should be married name", "revision": issued.revision},
        follow=True,
    )

    page = page_text(response)
    assert f"Cancelled Mia Nguyen ({issued.number})." in page
    issued.refresh_from_db()
    assert issued.status == CredentialStatus.CANCELLED
    assert issued.status_reason == "Maiden name should be married name"
    assert issued.document  # the document stays stored
    enrolment = issued.course_enrolment
    assert not enrolment.qual_issued  # the final-qualification record is withdrawn
    register = page_text(rto_admin_client.get("/credentials/", {"status": "cancelled"}))
    assert issued.number in register
    assert "Maiden name should be married name" in register


def test_cancel_on_a_stale_page_shows_the_conflict_and_changes_nothing(
    rto_admin, rto_admin_client, offer
):
    credential = requested_testamur(offer)
    seen = credential.revision
    credential_cancel(actor=rto_admin, credential=credential, reason="Someone else did it")

    response = rto_admin_client.post(
        reverse("credentials:cancel", args=[credential.pk]),
        {"reason": "Me too", "revision": seen},
    )

    page = page_text(response)
    assert "changed since you loaded the page (it is now Cancelled)" in page
    assert "Reload the page and try again." in page
    credential.refresh_from_db()
    assert credential.status_reason == "Someone else did it"


def test_cancel_page_for_a_cancelled_credential_says_it_cannot(rto_admin, rto_admin_client, offer):
    credential = requested_testamur(offer)
    credential_cancel(actor=rto_admin, credential=credential, reason="Wrong template")

    response = rto_admin_client.get(
        reverse("credentials:cancel", args=[credential.pk]), follow=True
    )

    assert "A credential that is Cancelled cannot be cancelled." in page_text(response)


def test_bulk_cancel_needs_a_reason_then_cancels_all(
    rto_admin, rto_admin_client, offer, django_capture_on_commit_callbacks
):
    first = issued_testamur(rto_admin, django_capture_on_commit_callbacks, offer)
    second = requested_testamur(offer)
    ids = [first.pk, second.pk]

    dialog = rto_admin_client.post(
        reverse("credentials:bulk"), {"action": "cancel", "credential": ids}
    )
    page = page_text(rto_admin_client.get(dialog["Location"]))
    assert "Cancel 2 credentials" in page
    assert "it cannot be undone" in page

    data = {"credential": ids, f"revision-{first.pk}": first.revision}
    data[f"revision-{second.pk}"] = second.revision
    blank = rto_admin_client.post(reverse("credentials:cancel_bulk"), {**data, "reason": ""})
    assert REASON_REQUIRED in page_text(blank)
    assert not Credential.objects.filter(status=CredentialStatus.CANCELLED).exists()

    done = rto_admin_client.post(
        reverse("credentials:cancel_bulk"), {**data, "reason": "Wrong template"}, follow=True
    )
    assert "2 cancelled." in page_text(done)
    assert Credential.objects.filter(status=CredentialStatus.CANCELLED).count() == 2
