"""Every page carries a Content-Security-Policy and is kept out of caches; public pages answer
HEAD; a staff sign-in lasts a working day."""

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests.conftest import PASSWORD
from tests.verification.helpers import one_issued

pytestmark = pytest.mark.django_db


def test_pages_for_every_kind_of_visitor_carry_the_policy_and_no_store(owner_client, client):
    for response in (
        client.get("/login/"),
        client.get("/v/"),
        client.get("/portal/"),
        owner_client.get("/"),
        owner_client.get("/learners/"),
        owner_client.get("/no-such-page/"),
    ):
        assert response["Content-Security-Policy"] == django_settings.CONTENT_SECURITY_POLICY
        assert "script-src 'self'" in response["Content-Security-Policy"]
        assert "no-store" in response["Cache-Control"].split(", ")


def test_no_page_holds_an_inline_script(owner_client):
    for url in ("/", "/credentials/", "/learners/", "/training/offers/"):
        content = owner_client.get(url).content.decode()
        assert "<script>" not in content
        assert " on" + "click=" not in content


def test_head_on_a_verification_page_answers_like_get(
    rto_admin, django_capture_on_commit_callbacks
):
    credential = one_issued(rto_admin, django_capture_on_commit_callbacks)
    url = f"/v/{credential.verification_code}"

    assert Client().head(url).status_code == 200
    assert Client().head(url + "/open-badge.json").status_code == 200


def test_a_staff_sign_in_lasts_eight_hours(owner):
    response = Client().post("/login/", {"username": "owner", "password": PASSWORD})

    assert response.status_code == 302
    assert response.cookies["sessionid"]["max-age"] == 8 * 60 * 60
