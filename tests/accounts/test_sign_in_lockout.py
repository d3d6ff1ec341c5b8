"""Guessing a staff password is stopped: after a few wrong passwords for one username from one
address, even the right one is refused for a while; /admin/ offers no second sign-in form."""

import pytest
from django.test import Client

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _sign_in(client, username, password, address="192.0.2.50", **headers):
    return client.post(
        "/login/", {"username": username, "password": password}, REMOTE_ADDR=address, **headers
    )


def _signed_in(client) -> bool:
    return client.get("/").status_code == 200


def test_the_right_password_is_refused_after_too_many_wrong_ones(owner, settings):
    client = Client()
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _sign_in(client, "owner", f"wrong-{attempt}").status_code == 200
    locked = _sign_in(client, "owner", "wrong-last")
    assert locked.status_code == 429
    assert b"Too many wrong passwords were tried for this username" in locked.content

    refused = _sign_in(client, "owner", PASSWORD)

    assert refused.status_code == 429
    assert not _signed_in(client)


def test_the_owner_can_still_sign_in_from_elsewhere(owner, settings):
    attacker = Client()
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(attacker, "owner", f"wrong-{attempt}")

    office = Client()
    assert _sign_in(office, "owner", PASSWORD, address="198.51.100.4").status_code == 302
    assert _signed_in(office)


def test_behind_a_trusted_proxy_the_lockout_is_per_visitor(owner, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(
            Client(), "owner", f"wrong-{attempt}", "10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9"
        )

    office = Client()
    signed_in = _sign_in(office, "owner", PASSWORD, "10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.4")
    assert signed_in.status_code == 302


def test_a_right_password_before_the_limit_clears_the_count(owner, settings):
    client = Client()
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        _sign_in(client, "owner", f"wrong-{attempt}")
    assert _sign_in(client, "owner", PASSWORD).status_code == 302
    client.post("/logout/")

    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        _sign_in(client, "owner", f"again-{attempt}")
    assert _sign_in(client, "owner", PASSWORD).status_code == 302


def test_there_is_no_admin_sign_in_unless_it_is_turned_on(owner, urls_rebuilt):
    assert Client().get("/admin/login/").status_code == 404

    urls_rebuilt(ADMIN_ENABLED=True)
    assert Client().get("/admin/login/").status_code == 200
