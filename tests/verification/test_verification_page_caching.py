"""The public page may be kept by browsers and shared caches for a minute, answers a repeat
visit with 304 Not Modified, and stops matching as soon as its status changes."""

import pytest
from django.urls import reverse

from testamur.credentials.services import credential_cancel
from testamur.verification.models import DigitalCredential
from testamur.verification.views.public import PUBLIC_CACHE_SECONDS
from tests.verification.helpers import one_issued

pytestmark = pytest.mark.django_db


@pytest.fixture
def credential(rto_admin, django_capture_on_commit_callbacks):
    return one_issued(rto_admin, django_capture_on_commit_callbacks)


def _url(credential):
    return reverse("verification:verify", args=[credential.verification_code])


def test_the_page_may_be_kept_for_a_minute_by_any_cache(client, credential):
    response = client.get(_url(credential))

    assert response.status_code == 200
    assert response["Cache-Control"] == f"public, max-age={PUBLIC_CACHE_SECONDS}"
    assert response["ETag"].startswith('"')
    assert response["Last-Modified"].endswith("GMT")


def test_nothing_of_the_visitor_is_on_a_page_others_may_be_served(
    client, rto_admin_client, credential
):
    for visitor in (client, rto_admin_client):
        response = visitor.get(_url(credential))
        html = response.content.decode()
        assert "csrf" not in html.lower()
        assert "Sign out" not in html and "rto-admin" not in html
        assert "Set-Cookie" not in response.headers and "Cookie" not in response.get("Vary", "")
    assert client.get(_url(credential)).content == rto_admin_client.get(_url(credential)).content


def test_a_repeat_visit_with_the_etag_or_date_is_answered_not_modified(client, credential):
    first = client.get(_url(credential))

    by_etag = client.get(_url(credential), HTTP_IF_NONE_MATCH=first["ETag"])
    by_date = client.get(_url(credential), HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])

    assert (by_etag.status_code, by_etag.content) == (304, b"")
    assert by_date.status_code == 304
    assert by_etag["ETag"] == first["ETag"]
    assert by_etag["Cache-Control"] == first["Cache-Control"]


def test_a_cancel_changes_the_etag_so_the_cancelled_page_is_served(client, credential, rto_admin):
    first = client.get(_url(credential))
    assert "Valid" in first.content.decode()

    credential_cancel(actor=rto_admin, credential=credential, reason="Issued in error")
    again = client.get(_url(credential), HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 200
    assert again["ETag"] != first["ETag"]
    html = again.content.decode()
    assert "Cancelled" in html and "Valid" not in html


def test_the_digital_credential_becoming_ready_changes_the_etag(client, credential):
    DigitalCredential.objects.filter(credential=credential).update(signed=None)
    preparing = client.get(_url(credential))
    assert "being prepared" in preparing.content.decode()

    DigitalCredential.objects.filter(credential=credential).update(signed={"proof": "x"})
    ready = client.get(_url(credential), HTTP_IF_NONE_MATCH=preparing["ETag"])

    assert ready.status_code == 200
    assert "Download the digital credential" in ready.content.decode()
