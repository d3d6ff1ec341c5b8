import html

import pytest
from django.contrib.auth.forms import PasswordChangeForm
from django.test import Client
from django.urls import reverse

from testamur.accounts.roles import Role
from testamur.accounts.views import PASSWORD_CHANGED
from testamur.core.models import Event
from tests.conftest import PASSWORD

URL = reverse("accounts:password_change")
NEW_PASSWORD = "quiet-river-stones-82"


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def change(client, old=PASSWORD, new1=NEW_PASSWORD, new2=NEW_PASSWORD):
    data = {"old_password": old, "new_password1": new1, "new_password2": new2}
    return client.post(URL, data, follow=True)


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.USER], ids=lambda r: r.value)
def test_every_role_changes_their_own_password(role, make_user):
    user = make_user(role)
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)

    response = change(client)

    assert PASSWORD_CHANGED in page_text(response)
    assert response.redirect_chain[-1][0] == reverse("home")
    # Still signed in on this browser after the change.
    assert client.get(URL).status_code == 200
    assert Client().login(username=user.username, password=NEW_PASSWORD)
    assert not Client().login(username=user.username, password=PASSWORD)
    assert Event.objects.filter(subject_id=str(user.pk), action="password_changed").exists()


def test_a_wrong_old_password_is_refused(rto_user_client, rto_user):
    response = change(rto_user_client, old="not-my-password")

    assert str(PasswordChangeForm.error_messages["password_incorrect"]) in page_text(response)
    assert Client().login(username=rto_user.username, password=PASSWORD)


def test_new_passwords_must_match(rto_user_client, rto_user):
    response = change(rto_user_client, new2=NEW_PASSWORD + "!")

    assert str(PasswordChangeForm.error_messages["password_mismatch"]) in page_text(response)
    assert Client().login(username=rto_user.username, password=PASSWORD)


def test_a_weak_new_password_is_refused(rto_user_client, rto_user):
    response = change(rto_user_client, new1="password", new2="password")

    assert "This password is too common." in page_text(response)
    assert Client().login(username=rto_user.username, password=PASSWORD)


def test_the_page_asks_for_the_old_password(rto_user_client):
    text = page_text(rto_user_client.get(URL))

    assert "Old password" in text
    assert "Change password" in text


def test_visitors_who_have_not_signed_in_are_sent_to_sign_in(client, db):
    # `db`: every request reads the RTO's time zone (middleware), cached for a minute only.
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_guessing_the_old_password_is_limited(rto_user, rto_user_client, settings):
    settings.RATE_LIMITS = {"password": (3, 600)}
    for attempt in range(3):
        assert change(rto_user_client, old=f"guess-{attempt}").status_code == 200

    refused = rto_user_client.post(
        URL,
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert refused.status_code == 429
    assert Client().login(username=rto_user.username, password=PASSWORD)
