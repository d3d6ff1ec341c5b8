"""The public page may be kept by browsers and shared caches for a minute, answers a repeat
visit with 304 Not Modified, and stops matching as soon as its status changes."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from testamur.credentials.models import Credential, CredentialStatus
from testamur.credentials.services import credential_cancel
from testamur.verification.models import DigitalCredential
from testamur.verification.services import digital_credentials_make
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


def test_a_cancel_changes_the_etag_so_the_cancelled_page_is_served(
    client, credential, rto_admin, django_capture_on_commit_callbacks
):
    first = client.get(_url(credential))
    assert "Valid" in first.content.decode()

    with django_capture_on_commit_callbacks(execute=True):  # the cancel commits
        credential_cancel(actor=rto_admin, credential=credential, reason="Issued in error")
    again = client.get(_url(credential), HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 200
    assert again["ETag"] != first["ETag"]
    html = again.content.decode()
    assert "Cancelled" in html and "Valid" not in html


def test_the_digital_credential_becoming_ready_changes_the_etag(
    client, credential, django_capture_on_commit_callbacks
):
    DigitalCredential.objects.filter(credential=credential).update(signed=None)
    preparing = client.get(_url(credential))
    assert "being prepared" in preparing.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        digital_credentials_make(credential_ids=[credential.pk])
    ready = client.get(_url(credential), HTTP_IF_NONE_MATCH=preparing["ETag"])

    assert ready.status_code == 200
    assert "Download the digital credential" in ready.content.decode()


def test_the_page_is_served_when_the_shared_cache_does_not_answer(client, credential, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }

    response = client.get(_url(credential))

    assert response.status_code == 200
    assert "Valid" in response.content.decode()


def test_a_cancel_made_outside_the_lifecycle_shows_once_the_kept_page_expires(
    client, credential, rto_admin
):
    assert "Valid" in client.get(_url(credential)).content.decode()
    # As a raw SQL cancel would (the database allows only this change, with its reason).
    Credential.objects.filter(pk=credential.pk).update(
        status=CredentialStatus.CANCELLED,
        status_reason="Cancelled in the database",
        cancelled_at=timezone.now(),
        cancelled_by=rto_admin,
    )

    kept = client.get(_url(credential)).content.decode()
    cache.clear()  # what a minute does to the kept page
    fresh = client.get(_url(credential)).content.decode()

    assert "Valid" in kept  # within the minute a public page may be kept anyway
    assert "Cancelled" in fresh and "Valid" not in fresh
