"""A retried request with the same Idempotency-Key is answered once, never done twice."""

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from testamur.api.idempotency import KEY_INVALID, KEY_REUSED, REPLAYED_HEADER
from testamur.api.models import IdempotencyKey
from testamur.credentials.models import Credential, GenerationRun
from testamur.learners.models import Learner
from tests.api.conftest import ApiClient
from tests.credentials.helpers import completed_offer
from tests.factories import template_make

pytestmark = pytest.mark.django_db


def _bulk_request(offer, template):
    return {"offer": offer.pk, "template": template.pk, "credential_date": "2026-11-20"}


def test_a_retried_bulk_request_creates_one_set_of_credentials(user_api):
    enrolments = completed_offer(3)
    body = _bulk_request(enrolments[0].offer, template_make())
    headers = {"Idempotency-Key": "sms-batch-2026-11-20"}

    first = user_api.post("/credentials/request-bulk", body, headers=headers)
    retry = user_api.post("/credentials/request-bulk", body, headers=headers)

    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json()
    assert retry[REPLAYED_HEADER] == "true"
    assert REPLAYED_HEADER not in first
    assert Credential.objects.count() == 3


def test_without_a_key_a_repeat_is_a_new_request(user_api):
    enrolments = completed_offer(2)
    body = _bulk_request(enrolments[0].offer, template_make())
    user_api.post("/credentials/request-bulk", body)
    again = user_api.post("/credentials/request-bulk", body).json()
    # The service refuses duplicates itself: each enrolment already has one.
    assert again["done"] == [] and len(again["skipped"]) == 2
    assert Credential.objects.count() == 2


def test_a_retried_issue_starts_one_run(admin_api, rto_admin, django_capture_on_commit_callbacks):
    from tests.credentials.helpers import generated, requested

    credentials = generated(
        rto_admin, requested(completed_offer(2)), django_capture_on_commit_callbacks
    )
    body = {
        "credentials": [c.pk for c in credentials],
        "issued_date": timezone.localdate().isoformat(),
        "final_qualification": False,
    }
    headers = {"Idempotency-Key": "issue-42"}
    with django_capture_on_commit_callbacks(execute=True):
        first = admin_api.post("/runs/issue", body, headers=headers)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        retry = admin_api.post("/runs/issue", body, headers=headers)
    assert first.status_code == retry.status_code == 202
    assert retry.json()["run"]["id"] == first.json()["run"]["id"]
    assert callbacks == []  # nothing queued the second time
    assert GenerationRun.objects.filter(kind="issue").count() == 1
    assert set(Credential.objects.values_list("status", flat=True)) == {"issued"}


def test_the_same_key_with_a_different_body_is_refused(owner_api):
    headers = {"Idempotency-Key": "learner-1"}
    owner_api.post("/learners", {"given_name": "Ann", "family_name": "Lee"}, headers=headers)
    response = owner_api.post(
        "/learners", {"given_name": "Bob", "family_name": "Lee"}, headers=headers
    )
    assert response.status_code == 422
    assert response.json()["detail"] == KEY_REUSED
    assert list(Learner.objects.values_list("given_name", flat=True)) == ["Ann"]


def test_the_same_body_respaced_is_the_same_request(owner_api):
    headers = {"Idempotency-Key": "learner-2"}
    owner_api.post("/learners", raw='{"given_name":"Ann","family_name":"Lee"}', headers=headers)
    retry = owner_api.post(
        "/learners", raw='{ "family_name": "Lee",  "given_name": "Ann" }', headers=headers
    )
    assert retry.status_code == 201 and retry[REPLAYED_HEADER] == "true"
    assert Learner.objects.count() == 1


def test_keys_belong_to_one_user_and_one_endpoint(api_for, owner_api):
    from testamur.accounts.roles import Role

    other = api_for(Role.ADMIN)
    headers = {"Idempotency-Key": "shared"}
    owner_api.post("/learners", {"given_name": "Ann", "family_name": "Lee"}, headers=headers)
    other.post("/learners", {"given_name": "Ann", "family_name": "Lee"}, headers=headers)
    assert Learner.objects.count() == 2
    enrolments = completed_offer(1)
    response = owner_api.post(
        "/credentials/request-bulk",
        _bulk_request(enrolments[0].offer, template_make()),
        headers=headers,
    )
    assert response.status_code == 200 and REPLAYED_HEADER not in response


def test_a_failed_request_is_not_kept_so_the_key_can_be_used_again(owner_api):
    headers = {"Idempotency-Key": "learner-3"}
    bad = {"given_name": "Ann", "family_name": "Lee", "usi": "BNGH7C75FM"}
    assert owner_api.post("/learners", bad, headers=headers).status_code == 422
    assert not IdempotencyKey.objects.exists()
    good = {**bad, "usi": "BNGH7C75FN", "usi_status": "not_verified"}
    response = owner_api.post("/learners", good, headers=headers)
    assert response.status_code == 201 and REPLAYED_HEADER not in response


def test_an_invalid_key_is_422(owner_api):
    for key in ("", "x" * 256, "has space"):
        response = owner_api.post(
            "/learners", {"given_name": "A", "family_name": "B"}, headers={"Idempotency-Key": key}
        )
        assert response.status_code == 422 and response.json()["detail"] == KEY_INVALID
    assert not Learner.objects.exists()


def test_keys_expire_after_24_hours(owner_api):
    headers = {"Idempotency-Key": "learner-4"}
    body = {"given_name": "Ann", "family_name": "Lee"}
    owner_api.post("/learners", body, headers=headers)
    IdempotencyKey.objects.update(
        created_at=IdempotencyKey.objects.get().created_at - timedelta(hours=25)
    )
    # An expired key is a new request (the service then gives the next learner ID).
    response = owner_api.post("/learners", body, headers=headers)
    assert response.status_code == 201 and REPLAYED_HEADER not in response
    assert Learner.objects.count() == 2
    IdempotencyKey.objects.update(
        created_at=IdempotencyKey.objects.get().created_at - timedelta(hours=25)
    )
    call_command("purge_idempotency_keys", stdout=StringIO())
    assert not IdempotencyKey.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_requests_with_one_key_do_the_work_once(owner_api):
    """The second waits on the key's unique constraint, then gets the first one's answer."""
    enrolments = completed_offer(5)
    body = _bulk_request(enrolments[0].offer, template_make())
    headers = {"Idempotency-Key": "concurrent"}
    barrier = threading.Barrier(2)
    responses = []

    def send():
        api = ApiClient(owner_api.user, owner_api.secret)  # a client (and connection) per thread
        try:
            barrier.wait()
            responses.append(api.post("/credentials/request-bulk", body, headers=headers))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(r.status_code for r in responses) == [200, 200]
    assert responses[0].json() == responses[1].json()
    assert sum(1 for r in responses if r.has_header(REPLAYED_HEADER)) == 1
    assert Credential.objects.count() == 5
