"""Credentials through the API: the register, request, re-issue, delete, documents."""

import pytest

from testamur.credentials.models import Credential, CredentialStatus
from testamur.credentials.services import ALREADY_HAS, ONLY_REQUESTED_DELETABLE
from tests.credentials.helpers import completed_offer, generated, issue, requested
from tests.factories import template_make

pytestmark = pytest.mark.django_db


def test_the_register_filters_like_the_register_page(user_api):
    mine, other = completed_offer(2)
    a, b = requested([mine, other])
    assert user_api.get("/credentials").json()["count"] == 2
    by_learner = user_api.get("/credentials", {"q": mine.learner.client_id}).json()
    assert [c["id"] for c in by_learner["items"]] == [a.pk]
    assert user_api.get("/credentials", {"enrolment": other.pk}).json()["items"][0]["id"] == b.pk
    assert user_api.get("/credentials", {"status": "issued"}).json()["count"] == 0
    assert user_api.get("/credentials", {"offer": 999999}).json()["count"] == 0
    reversed_dates = user_api.get(
        "/credentials", {"date_from": "2026-12-01", "date_to": "2026-01-01"}
    )
    assert reversed_dates.status_code == 422
    assert reversed_dates.json()["errors"][0]["loc"] == ["query", "date_to"]


def test_the_register_pages_by_cursor_newest_first(user_api):
    credentials = requested(completed_offer(3))
    newest_first = [c.pk for c in reversed(credentials)]
    first = user_api.get("/credentials", {"page_size": 2}).json()
    assert [c["id"] for c in first["items"]] == newest_first[:2]
    assert (first["count"], first["previous"]) == (3, None)
    second = user_api.get("/credentials", {"page_size": 2, "after": first["next"]}).json()
    assert [c["id"] for c in second["items"]] == newest_first[2:]
    assert second["next"] is None
    back = user_api.get("/credentials", {"page_size": 2, "before": second["previous"]}).json()
    assert [c["id"] for c in back["items"]] == newest_first[:2]


def test_request_one_credential_with_the_courses_default_template(user_api):
    (enrolment,) = completed_offer(1)
    template_make("testamur")
    response = user_api.post("/credentials", {"course_enrolment": enrolment.pk})
    assert response.status_code == 201
    credential = response.json()
    assert (credential["status"], credential["credential_type"]) == ("generating", "testamur")
    assert credential["learner"]["id"] == enrolment.learner_id
    again = user_api.post("/credentials", {"course_enrolment": enrolment.pk})
    assert again.status_code == 422
    existing = Credential.objects.get()
    assert again.json()["detail"] == ALREADY_HAS.format(
        learner=enrolment.learner.full_name,
        kind="Testamur",
        number="(not yet numbered)",
        status=existing.get_status_display(),
    )


def test_request_bulk_names_enrolments_not_in_the_offer(user_api):
    enrolments = completed_offer(2)
    stranger = completed_offer(1, code="BSB50999")[0]
    response = user_api.post(
        "/credentials/request-bulk",
        {
            "offer": enrolments[0].offer_id,
            "enrolments": [enrolments[0].pk, stranger.pk],
            "template": template_make().pk,
        },
    )
    assert response.status_code == 422
    assert str(stranger.pk) in response.json()["detail"]
    assert not Credential.objects.exists()


def test_the_issuing_officer_must_be_someone_who_may_issue(user_api, rto_user):
    (enrolment,) = completed_offer(1)
    response = user_api.post(
        "/credentials",
        {
            "course_enrolment": enrolment.pk,
            "template": template_make().pk,
            "issuing_officer": rto_user.pk,
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "issuing_officer"]


def test_reissue_cancels_and_requests_a_linked_replacement(
    admin_api, rto_admin, django_capture_on_commit_callbacks
):
    credentials = generated(
        rto_admin, requested(completed_offer(1)), django_capture_on_commit_callbacks
    )
    issue(rto_admin, credentials, django_capture_on_commit_callbacks)
    old = Credential.objects.get()
    response = admin_api.post(f"/credentials/{old.pk}/reissue", {"reason": "Name misspelt"})
    assert response.status_code == 201
    replacement = response.json()
    assert replacement["replaces"] == {"id": old.pk, "number": old.number}
    assert replacement["status"] == "generating"
    old.refresh_from_db()
    assert old.status == CredentialStatus.CANCELLED and old.status_reason == "Name misspelt"
    # Once replaced, it cannot be re-issued again: 422 with the reason.
    assert admin_api.post(f"/credentials/{old.pk}/reissue", {"reason": "x"}).status_code == 422
    # Cancelling it again is not a legal transition: 409.
    again = admin_api.post(f"/credentials/{old.pk}/cancel", {"reason": "again"})
    assert again.status_code == 409


def test_a_stale_revision_is_409(admin_api):
    (credential,) = requested(completed_offer(1))
    response = admin_api.post(
        f"/credentials/{credential.pk}/cancel",
        {"reason": "Requested by mistake", "revision": credential.revision + 1},
    )
    assert response.status_code == 409
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.REQUESTED


def test_delete_only_while_requested(admin_api, rto_admin, django_capture_on_commit_callbacks):
    first, second = requested(completed_offer(2))
    assert admin_api.delete(f"/credentials/{first.pk}").status_code == 204
    assert not Credential.objects.filter(pk=first.pk).exists()
    generated(rto_admin, [second], django_capture_on_commit_callbacks)
    response = admin_api.delete(f"/credentials/{second.pk}")
    assert response.status_code == 422
    assert response.json()["detail"] == ONLY_REQUESTED_DELETABLE.format(
        status="Generated (awaiting issue)"
    )


def test_documents_only_exist_once_generated_or_issued(
    user_api, rto_admin, django_capture_on_commit_callbacks
):
    (credential,) = requested(completed_offer(1))
    assert user_api.get(f"/credentials/{credential.pk}/document").status_code == 404
    assert user_api.get(f"/credentials/{credential.pk}/draft").status_code == 404
    generated(rto_admin, [credential], django_capture_on_commit_callbacks)
    draft = user_api.get(f"/credentials/{credential.pk}/draft")
    assert draft.status_code == 200
    assert b"".join(draft.streaming_content).startswith(b"%PDF")
    assert user_api.get(f"/credentials/{credential.pk}/document").status_code == 404


def test_templates_and_issuing_officers_for_a_request(user_api, rto_admin, rto_user):
    template = template_make(name="Our statement")
    names = [t["name"] for t in user_api.get("/templates").json()]
    assert template.name in names
    officers = [o["id"] for o in user_api.get("/issuing-officers").json()]
    assert rto_admin.pk in officers and rto_user.pk not in officers
