"""Cancel one credential, or many from the bulk bar: a reason is required and kept."""

import pytest
from django.urls import reverse
from django.utils import timezone

from testamur.credentials.issue_options import IssueOptions
from testamur.credentials.models import Credential, CredentialStatus, RunKind
from testamur.credentials.runs import run_start
from testamur.credentials.services import (
    REASON_REQUIRED,
    credential_cancel,
)
from tests.factories import (
    course_make,
    credential_make,
    enrolment_make,
    learner_make,
    offer_make,
    organisation_configured,
    template_make,
    unit_make,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer():
    organisation_configured()
    return offer_make(course_make(units=[unit_make()]), code="SIT3-2026-T1")


def _credential(offer, **learner_fields):
    unit = offer.course.units.get()
    enrolment = enrolment_make(
        learner=learner_make(**learner_fields), offer=offer, outcomes={unit.code: "20"}
    )
    return credential_make(enrolment, template=template_make("testamur"))


def _issued(actor, capture, offer, **learner_fields):
    credential = _credential(offer, **learner_fields)
    with capture(execute=True):
        run_start(actor=actor, kind=RunKind.PREVIEW, credentials=[credential])
    with capture(execute=True):
        run_start(
            actor=actor,
            kind=RunKind.ISSUE,
            credentials=[credential],
            options=IssueOptions(issued_on=timezone.localdate(), final_qualification=True),
        )
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.ISSUED
    return credential


@pytest.fixture
def issued(rto_admin, django_capture_on_commit_callbacks, offer):
    return _issued(
        rto_admin, django_capture_on_commit_callbacks, offer, given_name="Mia", family_name="Nguyen"
    )


def _text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_cancel_page_warns_what_cancelling_means(rto_admin_client, issued):
    page = _text(rto_admin_client.get(reverse("credentials:cancel", args=[issued.pk])))
    assert "Cancelling keeps the credential in the register; it cannot be undone." in page
    assert "The document stays stored." in page
    assert issued.number in page


def test_cancel_without_a_reason_is_refused_inline_and_nothing_changes(rto_admin_client, issued):
    response = rto_admin_client.post(
        reverse("credentials:cancel", args=[issued.pk]),
        {"reason": "  ", "revision": issued.revision},
    )

    assert REASON_REQUIRED in _text(response)
    issued.refresh_from_db()
    assert issued.status == CredentialStatus.ISSUED


def test_cancel_with_a_reason_keeps_it_in_the_register(rto_admin_client, issued):
    response = rto_admin_client.post(
        reverse("credentials:cancel", args=[issued.pk]),
        {"reason": "Maiden name should be married name", "revision": issued.revision},
        follow=True,
    )

    page = _text(response)
    assert f"Cancelled Mia Nguyen ({issued.number})." in page
    issued.refresh_from_db()
    assert issued.status == CredentialStatus.CANCELLED
    assert issued.status_reason == "Maiden name should be married name"
    assert issued.document  # the document stays stored
    enrolment = issued.course_enrolment
    assert not enrolment.qual_issued  # the final-qualification record is withdrawn
    register = _text(rto_admin_client.get("/credentials/", {"status": "cancelled"}))
    assert issued.number in register
    assert "Maiden name should be married name" in register


def test_cancel_on_a_stale_page_shows_the_conflict_and_changes_nothing(
    rto_admin, rto_admin_client, offer
):
    credential = _credential(offer)
    seen = credential.revision
    credential_cancel(actor=rto_admin, credential=credential, reason="Someone else did it")

    response = rto_admin_client.post(
        reverse("credentials:cancel", args=[credential.pk]),
        {"reason": "Me too", "revision": seen},
    )

    page = _text(response)
    assert "changed since you loaded the page (it is now Cancelled)" in page
    assert "Reload the page and try again." in page
    credential.refresh_from_db()
    assert credential.status_reason == "Someone else did it"


def test_cancel_page_for_a_cancelled_credential_says_it_cannot(rto_admin, rto_admin_client, offer):
    credential = _credential(offer)
    credential_cancel(actor=rto_admin, credential=credential, reason="Wrong template")

    response = rto_admin_client.get(
        reverse("credentials:cancel", args=[credential.pk]), follow=True
    )

    assert "A credential that is Cancelled cannot be cancelled." in _text(response)


def test_bulk_cancel_needs_a_reason_then_cancels_all(
    rto_admin, rto_admin_client, offer, django_capture_on_commit_callbacks
):
    first = _issued(rto_admin, django_capture_on_commit_callbacks, offer)
    second = _credential(offer)
    ids = [first.pk, second.pk]

    dialog = rto_admin_client.post(
        reverse("credentials:bulk"), {"action": "cancel", "credential": ids}
    )
    page = _text(rto_admin_client.get(dialog["Location"]))
    assert "Cancel 2 credentials" in page
    assert "it cannot be undone" in page

    data = {"credential": ids, f"revision-{first.pk}": first.revision}
    data[f"revision-{second.pk}"] = second.revision
    blank = rto_admin_client.post(reverse("credentials:cancel_bulk"), {**data, "reason": ""})
    assert REASON_REQUIRED in _text(blank)
    assert not Credential.objects.filter(status=CredentialStatus.CANCELLED).exists()

    done = rto_admin_client.post(
        reverse("credentials:cancel_bulk"), {**data, "reason": "Wrong template"}, follow=True
    )
    assert "2 cancelled." in _text(done)
    assert Credential.objects.filter(status=CredentialStatus.CANCELLED).count() == 2
