"""Only a valid bearer token of an active staff member opens the API; cookies never do."""

import pytest

from testamur.accounts.roles import Role
from testamur.accounts.services import user_set_active
from testamur.api.errors import UNAUTHORIZED
from testamur.api.models import ApiToken
from testamur.api.services import api_token_revoke
from testamur.core.models import Event
from tests.factories import learner_make


def _refused(response):
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json() == {"detail": UNAUTHORIZED, "errors": []}


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer tmr_not-a-real-token", "Token tmr_x", "Basic b3duZXI6cHc="],
    ids=["none", "empty", "unknown", "other-scheme", "basic"],
)
def test_requests_without_a_valid_token_get_401(client, db, header):
    headers = {"Authorization": header} if header else {}
    _refused(client.get("/api/v1/learners", headers=headers))


def test_a_signed_in_session_is_not_accepted(owner_client):
    learner_make()
    _refused(owner_client.get("/api/v1/learners"))
    # A write with the session cookie and no CSRF token is refused the same way, before any
    # CSRF check could matter: nothing is created.
    response = owner_client.post(
        "/api/v1/learners",
        '{"given_name": "Eve", "family_name": "Forged"}',
        content_type="application/json",
    )
    _refused(response)


def test_a_revoked_token_gets_401(owner_api):
    assert owner_api.get("/learners").status_code == 200
    api_token_revoke(token=ApiToken.objects.get(user=owner_api.user), actor=owner_api.user)
    _refused(owner_api.get("/learners"))


def test_the_token_of_a_deactivated_staff_member_gets_401(api_for, owner):
    api = api_for(Role.ADMIN)
    user_set_active(user=api.user, is_active=False, actor=owner)
    _refused(api.get("/learners"))


def test_the_token_acts_as_its_owner_not_the_signed_in_session(api_for, rto_user_client):
    admin_api = api_for(Role.ADMIN)
    admin_api.client = rto_user_client  # a User's session cookie travels with an Admin's token
    response = admin_api.post("/learners", {"given_name": "Ann", "family_name": "Lee"})
    assert response.status_code == 201
    event = Event.objects.get(subject_type="learner", action="created")
    assert event.actor == admin_api.user


def test_last_used_is_recorded(owner_api):
    token = ApiToken.objects.get(user=owner_api.user)
    assert token.last_used_at is None
    owner_api.get("/learners")
    token.refresh_from_db()
    assert token.last_used_at is not None
