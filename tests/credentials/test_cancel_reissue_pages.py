"""Cancel (one, or many from the bulk bar), re-issue and delete: Admins only, reasons required."""

import pytest
from django.urls import reverse
from django.utils import timezone

from testamur.credentials.issue_options import IssueOptions
from testamur.credentials.models import Credential, CredentialStatus, RunKind
from testamur.credentials.runs import run_start
from testamur.credentials.services import (
    ALREADY_REPLACED,
    ONLY_ISSUED_REISSUABLE,
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


@pytest.mark.parametrize("name", ["cancel", "reissue", "delete"])
def test_users_get_403_on_admin_pages_and_posts(rto_user_client, offer, name):
    credential = _credential(offer)
    url = reverse(f"credentials:{name}", args=[credential.pk])

    assert rto_user_client.get(url).status_code == 403
    assert rto_user_client.post(url, {"reason": "Mistake"}).status_code == 403
    assert Credential.objects.get(pk=credential.pk).status == CredentialStatus.REQUESTED


def test_users_get_403_on_bulk_cancel(rto_user_client, offer):
    credential = _credential(offer)
    url = reverse("credentials:cancel_bulk")
    assert rto_user_client.get(url, {"credential": credential.pk}).status_code == 403
    response = rto_user_client.post(url, {"credential": credential.pk, "reason": "Mistake"})
    assert response.status_code == 403
    assert Credential.objects.get(pk=credential.pk).status == CredentialStatus.REQUESTED


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


def test_reissue_cancels_and_requests_a_linked_replacement(rto_admin_client, issued):
    url = reverse("credentials:reissue", args=[issued.pk])
    form = _text(rto_admin_client.get(url))
    assert "new credential number" in form

    response = rto_admin_client.post(
        url,
        {"reason": "Name misspelt", "credential_date": "2026-11-20", "revision": issued.revision},
        follow=True,
    )

    issued.refresh_from_db()
    replacement = Credential.objects.get(replaces=issued)
    assert issued.status == CredentialStatus.CANCELLED
    assert replacement.status == CredentialStatus.GENERATING  # a request generates at once
    assert replacement.number is None
    assert response.redirect_chain[-1][0] == reverse("credentials:detail", args=[replacement.pk])
    new_page = _text(response)
    assert f'Replaces <a href="{reverse("credentials:detail", args=[issued.pk])}">' in new_page
    assert issued.number in new_page
    old_page = _text(rto_admin_client.get(reverse("credentials:detail", args=[issued.pk])))
    assert "Replaced by" in old_page
    assert reverse("credentials:detail", args=[replacement.pk]) in old_page


def test_reissue_without_a_reason_changes_nothing(rto_admin_client, issued):
    response = rto_admin_client.post(
        reverse("credentials:reissue", args=[issued.pk]),
        {"reason": "", "credential_date": "2026-11-20", "revision": issued.revision},
    )
    assert REASON_REQUIRED in _text(response)
    issued.refresh_from_db()
    assert issued.status == CredentialStatus.ISSUED
    assert Credential.objects.count() == 1


def test_reissue_is_only_for_issued_credentials(rto_admin_client, offer):
    credential = _credential(offer)
    response = rto_admin_client.get(
        reverse("credentials:reissue", args=[credential.pk]), follow=True
    )
    assert ONLY_ISSUED_REISSUABLE.format(status="Requested") in _text(response)


def test_a_cancelled_issued_credential_can_be_reissued_later_once(
    rto_admin, rto_admin_client, issued
):
    credential_cancel(actor=rto_admin, credential=issued, reason="Issued to the wrong learner")
    issued.refresh_from_db()
    detail = _text(rto_admin_client.get(reverse("credentials:detail", args=[issued.pk])))
    url = reverse("credentials:reissue", args=[issued.pk])
    assert url in detail

    form = _text(rto_admin_client.get(url))
    assert "Issued to the wrong learner" in form
    assert 'name="reason"' not in form
    response = rto_admin_client.post(
        url, {"credential_date": "2026-11-20", "revision": issued.revision}, follow=True
    )

    replacement = Credential.objects.get(replaces=issued)
    assert replacement.status == CredentialStatus.GENERATING
    assert replacement.status_reason == f"Re-issue of {issued.number}: Issued to the wrong learner"
    assert response.redirect_chain[-1][0] == reverse("credentials:detail", args=[replacement.pk])
    issued.refresh_from_db()
    assert issued.status == CredentialStatus.CANCELLED
    assert issued.status_reason == "Issued to the wrong learner"
    again = rto_admin_client.get(url, follow=True)
    assert ALREADY_REPLACED.format(number=replacement) in _text(again)
    assert Credential.objects.filter(replaces=issued).count() == 1


def test_delete_a_requested_credential_after_confirming(rto_admin_client, offer):
    credential = _credential(offer, given_name="Ada", family_name="Lovelace")
    url = reverse("credentials:delete", args=[credential.pk])
    assert "Delete the requested Testamur for Ada Lovelace?" in _text(rto_admin_client.get(url))

    response = rto_admin_client.post(url, {"revision": credential.revision}, follow=True)

    assert "Deleted the requested Testamur for Ada Lovelace." in _text(response)
    assert not Credential.objects.exists()


def test_an_issued_credential_is_never_deleted(rto_admin_client, issued):
    url = reverse("credentials:delete", args=[issued.pk])

    page = _text(rto_admin_client.get(url, follow=True))
    assert "Only a credential that is still Requested can be deleted; this one is Issued." in page
    refused = _text(rto_admin_client.post(url, {"revision": issued.revision}))
    assert "Cancel it with a reason instead." in refused
    assert Credential.objects.filter(pk=issued.pk, status=CredentialStatus.ISSUED).exists()
