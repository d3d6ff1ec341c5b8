import html

import pytest
from django.contrib.auth.forms import SetPasswordForm
from django.test import Client
from django.urls import reverse

from testamur.accounts.forms import PASSWORDS_DIFFER
from testamur.accounts.models import User
from testamur.accounts.roles import Role
from testamur.accounts.services import CANNOT_DEACTIVATE_SELF, LAST_OWNER, user_set_active
from testamur.core.models import Event
from tests.conftest import PASSWORD

LIST_URL = reverse("accounts:user_list")
CREATE_URL = reverse("accounts:user_create")
NEW_PASSWORD = "plain-paper-lantern-41"


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def edit_url(user) -> str:
    return reverse("accounts:user_edit", args=[user.pk])


def create_data(**overrides) -> dict:
    data = {
        "username": "mia",
        "first_name": "Mia",
        "last_name": "Nguyen",
        "email": "mia@harbourcity.example",
        "role": "Admin",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    data.update(overrides)
    return data


def edit_data(user, **overrides) -> dict:
    data = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": user.role.value,
        "is_active": "on" if user.is_active else "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v != ""}


def can_sign_in(username: str, password: str) -> bool:
    return Client().login(username=username, password=password)


def test_owner_sees_every_staff_account(owner_client, owner, rto_admin, rto_user):
    text = page_text(owner_client.get(LIST_URL))

    for account in (owner, rto_admin, rto_user):
        assert f">{account.username}</a>" in text
    assert "Admin Tester" in text
    assert "Never" in text


def test_owner_creates_an_admin_who_can_sign_in_with_admin_powers(owner_client, owner):
    response = owner_client.post(CREATE_URL, create_data(), follow=True)

    text = page_text(response)
    assert "Staff account mia created." in text
    assert "Mia Nguyen" in text
    mia = User.objects.get(username="mia")
    assert mia.role == Role.ADMIN
    assert mia.has_perm("training.add_unit")
    assert not mia.has_perm("organisation.change_organisation")
    assert not mia.has_perm("accounts.add_user")
    assert can_sign_in("mia", NEW_PASSWORD)
    event = Event.objects.get(subject_type="user", subject_id=str(mia.pk), action="created")
    assert event.actor == owner


def test_a_new_user_role_cannot_add_units(owner_client):
    owner_client.post(CREATE_URL, create_data(username="sam", role="User"))

    sam = User.objects.get(username="sam")
    assert sam.role == Role.USER
    assert sam.has_perm("learners.add_learner")
    assert not sam.has_perm("training.add_unit")


@pytest.mark.parametrize(
    "password,message",
    [
        ("password", "This password is too common."),
        ("12345678901", "This password is entirely numeric."),
        ("short1", "This password is too short."),
        ("mia.nguyen", "The password is too similar to the"),
    ],
)
def test_a_weak_initial_password_is_refused(password, message, owner_client):
    response = owner_client.post(CREATE_URL, create_data(password1=password, password2=password))

    assert message in page_text(response)
    assert not User.objects.filter(username="mia").exists()


def test_passwords_that_differ_are_refused(owner_client):
    response = owner_client.post(CREATE_URL, create_data(password2=NEW_PASSWORD + "x"))

    assert PASSWORDS_DIFFER in page_text(response)
    assert not User.objects.filter(username="mia").exists()


def test_a_taken_username_is_refused(owner_client, rto_admin):
    response = owner_client.post(CREATE_URL, create_data(username=rto_admin.username))

    assert "A user with that username already exists." in page_text(response)
    assert User.objects.filter(username=rto_admin.username).count() == 1


def test_a_username_with_spaces_is_refused(owner_client):
    response = owner_client.post(CREATE_URL, create_data(username="mia nguyen"))

    assert "Enter a valid username." in page_text(response)
    assert not User.objects.filter(first_name="Mia").exists()


def test_a_made_up_role_is_refused(owner_client):
    response = owner_client.post(CREATE_URL, create_data(role="Superuser"))

    assert "Select a valid choice." in page_text(response)
    assert not User.objects.filter(username="mia").exists()


def test_owner_changes_name_email_and_role(owner_client, rto_user):
    response = owner_client.post(
        edit_url(rto_user),
        edit_data(rto_user, first_name="Uma", email="uma@example.com", role="Admin"),
        follow=True,
    )

    assert f"Staff account {rto_user.username} saved." in page_text(response)
    rto_user = User.objects.get(pk=rto_user.pk)
    assert (rto_user.first_name, rto_user.email, rto_user.role) == (
        "Uma",
        "uma@example.com",
        Role.ADMIN,
    )
    assert rto_user.has_perm("training.add_unit")
    actions = set(
        Event.objects.filter(subject_id=str(rto_user.pk)).values_list("action", flat=True)
    )
    assert {"updated", "role_changed"} <= actions


def test_a_bad_email_is_refused(owner_client, rto_user):
    response = owner_client.post(edit_url(rto_user), edit_data(rto_user, email="nope"))

    assert "Enter a valid email address." in page_text(response)


def test_the_last_owner_cannot_be_demoted(owner_client, owner):
    response = owner_client.post(edit_url(owner), edit_data(owner, role="Admin", first_name="X"))

    assert LAST_OWNER in page_text(response)
    owner = User.objects.get(pk=owner.pk)
    assert owner.role == Role.OWNER
    assert owner.first_name == "Owner"


def test_the_last_owner_cannot_be_deactivated(owner):
    with pytest.raises(Exception) as caught:
        user_set_active(user=owner, is_active=False, actor=owner)

    assert caught.value.messages == [LAST_OWNER]
    owner.refresh_from_db()
    assert owner.is_active


def test_an_owner_cannot_deactivate_themselves(owner_client, owner, make_user):
    make_user(Role.OWNER, "second-owner")

    response = owner_client.post(edit_url(owner), edit_data(owner, is_active=""))

    assert CANNOT_DEACTIVATE_SELF in page_text(response)
    owner.refresh_from_db()
    assert owner.is_active


def test_an_owner_may_step_down_when_another_owner_remains(owner_client, owner, make_user):
    make_user(Role.OWNER, "second-owner")

    response = owner_client.post(edit_url(owner), edit_data(owner, role="Admin"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("home")
    assert User.objects.get(pk=owner.pk).role == Role.ADMIN
    assert owner_client.get(LIST_URL).status_code == 403


def test_a_deactivated_user_cannot_sign_in(owner_client, rto_user):
    assert can_sign_in(rto_user.username, PASSWORD)

    response = owner_client.post(edit_url(rto_user), edit_data(rto_user, is_active=""), follow=True)

    assert "Inactive" in page_text(response)
    assert not can_sign_in(rto_user.username, PASSWORD)
    assert Event.objects.filter(subject_id=str(rto_user.pk), action="deactivated").exists()


def test_owner_sets_a_new_password_for_a_user(owner_client, rto_user):
    url = reverse("accounts:user_set_password", args=[rto_user.pk])

    response = owner_client.post(
        url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )

    assert f"New password set for {rto_user.username}." in page_text(response)
    assert can_sign_in(rto_user.username, NEW_PASSWORD)
    assert not can_sign_in(rto_user.username, PASSWORD)
    assert Event.objects.filter(subject_id=str(rto_user.pk), action="password_set").exists()


def test_a_weak_password_set_by_the_owner_is_refused(owner_client, rto_user):
    url = reverse("accounts:user_set_password", args=[rto_user.pk])

    response = owner_client.post(url, {"new_password1": "abc", "new_password2": "abcd"})

    assert str(SetPasswordForm.error_messages["password_mismatch"]) in page_text(response)
    response = owner_client.post(url, {"new_password1": "password", "new_password2": "password"})
    assert "This password is too common." in page_text(response)
    assert can_sign_in(rto_user.username, PASSWORD)


def test_an_owner_setting_their_own_password_stays_signed_in(owner_client, owner):
    url = reverse("accounts:user_set_password", args=[owner.pk])

    owner_client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert owner_client.get(LIST_URL).status_code == 200
    assert can_sign_in(owner.username, NEW_PASSWORD)


def test_an_unknown_account_is_not_found(owner_client):
    assert owner_client.get(reverse("accounts:user_edit", args=[999])).status_code == 404


@pytest.mark.parametrize("role", [Role.ADMIN, Role.USER], ids=lambda r: r.value)
def test_only_owners_manage_staff_accounts(role, role_client, owner):
    client = role_client(role)

    for url in (
        LIST_URL,
        CREATE_URL,
        edit_url(owner),
        reverse("accounts:user_set_password", args=[owner.pk]),
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(CREATE_URL, create_data()).status_code == 403
    assert client.post(edit_url(owner), edit_data(owner, role="User")).status_code == 403
    assert not User.objects.filter(username="mia").exists()
    assert User.objects.get(pk=owner.pk).role == Role.OWNER


def test_an_empty_new_account_form_is_explained(owner_client):
    response = owner_client.post(CREATE_URL, {})

    assert response.status_code == 200
    assert "This field is required." in page_text(response)
