"""Re-issue: cancel an issued credential and request a linked replacement with a new number."""

import pytest
from django.urls import reverse

from testamur.credentials.models import Credential, CredentialStatus
from testamur.credentials.services import (
    ALREADY_REPLACED,
    ONLY_ISSUED_REISSUABLE,
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


def test_reissue_cancels_and_requests_a_linked_replacement(rto_admin_client, issued):
    url = reverse("credentials:reissue", args=[issued.pk])
    form = page_text(rto_admin_client.get(url))
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
    new_page = page_text(response)
    assert f'Replaces <a href="{reverse("credentials:detail", args=[issued.pk])}">' in new_page
    assert issued.number in new_page
    old_page = page_text(rto_admin_client.get(reverse("credentials:detail", args=[issued.pk])))
    assert "Replaced by" in old_page
    assert reverse("credentials:detail", args=[replacement.pk]) in old_page


def test_reissue_without_a_reason_changes_nothing(rto_admin_client, issued):
    response = rto_admin_client.post(
        reverse("credentials:reissue", args=[issued.pk]),
        {"reason": "", "credential_date": "2026-11-20", "revision": issued.revision},
    )
    assert REASON_REQUIRED in page_text(response)
    issued.refresh_from_db()
    assert issued.status == CredentialStatus.ISSUED
    assert Credential.objects.count() == 1


def test_reissue_is_only_for_issued_credentials(rto_admin_client, offer):
    credential = requested_testamur(offer)
    response = rto_admin_client.get(
        reverse("credentials:reissue", args=[credential.pk]), follow=True
    )
    assert ONLY_ISSUED_REISSUABLE.format(status="Requested") in page_text(response)


def test_a_cancelled_issued_credential_can_be_reissued_later_once(
    rto_admin, rto_admin_client, issued
):
    credential_cancel(actor=rto_admin, credential=issued, reason="Issued to the wrong learner")
    issued.refresh_from_db()
    detail = page_text(rto_admin_client.get(reverse("credentials:detail", args=[issued.pk])))
    url = reverse("credentials:reissue", args=[issued.pk])
    assert url in detail

    form = page_text(rto_admin_client.get(url))
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
    assert ALREADY_REPLACED.format(number=replacement) in page_text(again)
    assert Credential.objects.filter(replaces=issued).count() == 1
