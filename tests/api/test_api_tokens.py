"""Creating and revoking personal API tokens on the API tokens page."""

import hashlib

import pytest
from django.urls import reverse

from testamur.accounts.roles import Role
from testamur.api.models import ApiToken
from testamur.api.services import TOKEN_NAME_REQUIRED, TOKEN_NAME_TAKEN
from testamur.api.views import TOKEN_REVOKED
from testamur.core.models import Event

URL = "/accounts/api-tokens/"


def _create(client, name="Student system sync"):
    return client.post(URL, {"name": name})


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.USER], ids=lambda r: r.value)
def test_every_role_creates_a_token_shown_once_and_stored_only_as_a_hash(role, role_client):
    client = role_client(role)
    response = _create(client)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    secret = response.context["secret"]
    assert secret.startswith("tmr_") and len(secret) > 40
    assert secret in response.content.decode()
    token = ApiToken.objects.get()
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {token.key_hash, token.prefix, token.name}
    assert secret.startswith(token.prefix)
    # The list afterwards shows the token by name and prefix, never the secret again.
    page = client.get(URL).content.decode()
    assert "Student system sync" in page and token.prefix in page
    assert secret not in page
    assert Event.objects.filter(subject_type="api_token", action="created").exists()


def test_the_token_works_at_once_and_acts_as_its_owner(owner_client, owner):
    secret = _create(owner_client).context["secret"]
    response = owner_client.get("/api/v1/learners", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    assert ApiToken.objects.get().last_used_at is not None


def test_a_blank_or_repeated_name_is_refused_inline(owner_client):
    response = _create(owner_client, name="  ")
    assert TOKEN_NAME_REQUIRED in response.content.decode()
    _create(owner_client, name="LMS")
    response = _create(owner_client, name="LMS")
    assert TOKEN_NAME_TAKEN.format(name="LMS") in response.content.decode()
    assert ApiToken.objects.count() == 1


def test_revoking_stops_the_token_and_keeps_it_listed(owner_client):
    secret = _create(owner_client).context["secret"]
    token = ApiToken.objects.get()
    response = owner_client.post(reverse("api:token_revoke", args=[token.pk]), follow=True)
    assert TOKEN_REVOKED.format(name=token.name) in response.content.decode()
    assert "Revoked" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    api = owner_client.get("/api/v1/learners", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 401
    # Its name is free again for a new token.
    assert _create(owner_client, name=token.name).context["secret"]


def test_no_one_revokes_someone_elses_token(owner_client, rto_user_client):
    _create(rto_user_client)
    token = ApiToken.objects.get()
    response = owner_client.post(reverse("api:token_revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    # Nor does anyone see another's tokens.
    assert token.prefix not in owner_client.get(URL).content.decode()


def test_revoke_is_a_post(owner_client):
    _create(owner_client)
    response = owner_client.get(reverse("api:token_revoke", args=[ApiToken.objects.get().pk]))
    assert response.status_code == 405


def test_the_account_menu_links_to_the_page(rto_user_client):
    assert f'href="{URL}"' in rto_user_client.get("/").content.decode()


def test_signed_out_visitors_are_sent_to_sign_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/login/")
