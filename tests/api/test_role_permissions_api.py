"""A token acts with its owner's role: a User requests and previews, only Admins issue and
cancel, exactly as on the pages (accounts/roles.py)."""

import pytest

from testamur.credentials.models import Credential, CredentialStatus, GenerationRun
from tests.credentials.helpers import completed_offer, generated, requested

pytestmark = pytest.mark.django_db


@pytest.fixture
def credentials(rto_admin, django_capture_on_commit_callbacks):
    return generated(rto_admin, requested(completed_offer(2)), django_capture_on_commit_callbacks)


def _unchanged(credentials):
    statuses = set(
        Credential.objects.filter(pk__in=[c.pk for c in credentials]).values_list(
            "status", flat=True
        )
    )
    assert statuses == {CredentialStatus.GENERATED}


def test_a_user_token_cannot_issue(user_api, credentials):
    response = user_api.post(
        "/runs/issue",
        {
            "credentials": [c.pk for c in credentials],
            "issued_date": "2026-11-23",
            "final_qualification": False,
        },
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "Your role does not allow this."
    assert not GenerationRun.objects.filter(kind="issue").exists()
    _unchanged(credentials)


def test_a_user_token_cannot_cancel_one_or_many(user_api, credentials):
    first = credentials[0]
    assert user_api.post(f"/credentials/{first.pk}/cancel", {"reason": "x"}).status_code == 403
    bulk = user_api.post("/credentials/cancel", {"credentials": [first.pk], "reason": "x"})
    assert bulk.status_code == 403
    assert user_api.post(f"/credentials/{first.pk}/reissue", {"reason": "x"}).status_code == 403
    assert user_api.delete(f"/credentials/{first.pk}").status_code == 403
    _unchanged(credentials)


def test_a_user_token_may_request_and_preview(user_api, django_capture_on_commit_callbacks):
    (credential,) = requested(completed_offer(1))
    with django_capture_on_commit_callbacks(execute=True):
        response = user_api.post("/runs/preview", {"credentials": [credential.pk]})
    assert response.status_code == 202
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.GENERATED


def test_an_admin_token_cancels_many_with_one_reason(admin_api, credentials):
    response = admin_api.post(
        "/credentials/cancel",
        {"credentials": [c.pk for c in credentials] + [999999], "reason": "Wrong template"},
    )
    assert response.status_code == 200
    body = response.json()
    assert {c["status"] for c in body["done"]} == {"cancelled"} and len(body["done"]) == 2
    assert body["skipped"] == [{"item": "Credential 999999", "reason": "It does not exist."}]


def test_the_credential_says_what_the_token_may_do(user_api, admin_api, credentials):
    path = f"/credentials/{credentials[0].pk}"
    assert "issue" not in user_api.get(path).json()["actions"]
    assert {"issue", "cancel"} <= set(admin_api.get(path).json()["actions"])
