"""The learner portal: emailed one-time links, own credentials only, access turned off."""

import json
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from testamur.verification.models import PortalLink
from testamur.verification.services import LINK_EXPIRED, LINK_USED, PORTAL_DISABLED
from testamur.verification.verifier import vc_verify
from tests.factories import learner_make
from tests.verification.helpers import enrolments_for, issued, without_csrf

pytestmark = pytest.mark.django_db

EMAIL = "mia.nguyen@example.com"


@pytest.fixture
def learners():
    return [
        learner_make(given_name="Mia", family_name="Nguyen", email=EMAIL),
        learner_make(given_name="Tom", family_name="Baker", email="tom@example.com"),
    ]


@pytest.fixture
def credentials(learners, rto_admin, django_capture_on_commit_callbacks):
    return issued(rto_admin, django_capture_on_commit_callbacks, enrolments_for(learners))


def _ask(client, email):
    return client.post(reverse("verification:portal_start"), {"email": email})


def _link(message) -> str:
    return re.search(r"https?://\S+/portal/sign-in/\S+/", message.body).group(0)


def _path(link: str, settings) -> str:
    return link.removeprefix(settings.PUBLIC_BASE_URL)


def _sign_in(client, settings, email=EMAIL):
    mail.outbox.clear()
    _ask(client, email)
    [message] = mail.outbox
    response = client.post(_path(_link(message), settings))
    assert response.status_code == 302
    return response


def test_the_answer_is_the_same_whether_or_not_the_email_is_known(client, credentials):
    known = _ask(client, EMAIL)
    unknown = _ask(client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 200
    assert without_csrf(known.content).replace(EMAIL.encode(), b"@") == without_csrf(
        unknown.content
    ).replace(b"nobody@example.com", b"@")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [EMAIL]
    assert "30 minutes" in mail.outbox[0].body


def test_the_link_signs_in_and_shows_only_the_learners_own_credentials(
    client, credentials, settings
):
    mine, theirs = credentials
    _sign_in(client, settings)
    page = client.get(reverse("verification:portal_home"))
    html = page.content.decode()
    assert page.status_code == 200
    assert mine.number in html
    assert theirs.number not in html
    assert "Mia Nguyen" in html and "Tom Baker" not in html


def test_opening_the_link_does_not_use_it_up_until_the_learner_presses_sign_in(
    client, credentials, settings
):
    _ask(client, EMAIL)
    path = _path(_link(mail.outbox[0]), settings)
    assert client.get(path).status_code == 200  # a mail scanner opening it
    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 302


def test_a_link_works_once(client, credentials, settings):
    _ask(client, EMAIL)
    path = _path(_link(mail.outbox[0]), settings)
    assert client.post(path).status_code == 302
    other_browser = client.__class__()
    response = other_browser.post(path)
    assert response.status_code == 410
    assert LINK_USED in response.content.decode()
    assert b"Email me a new link" in response.content


def test_an_expired_link_says_so_and_offers_a_new_one(client, credentials, settings):
    _ask(client, EMAIL)
    path = _path(_link(mail.outbox[0]), settings)
    PortalLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.post(path)
    assert response.status_code == 410
    assert LINK_EXPIRED in response.content.decode()
    assert client.get(reverse("verification:portal_home")).status_code == 302


def test_a_made_up_link_does_nothing(client, credentials):
    response = client.post(reverse("verification:portal_redeem", args=["x" * 43]))
    assert response.status_code == 410
    assert client.get(reverse("verification:portal_home"))["Location"] == reverse(
        "verification:portal_start"
    )


def test_downloads_are_the_signed_pdf_and_a_verifying_vc(client, credentials, settings):
    mine, _ = credentials
    _sign_in(client, settings)
    pdf = client.get(reverse("verification:portal_document", args=[mine.pk]))
    assert pdf.status_code == 200
    with mine.document.open("rb") as handle:
        assert b"".join(pdf.streaming_content) == handle.read()
    vc = client.get(reverse("verification:portal_vc", args=[mine.pk]))
    assert vc.status_code == 200
    assert vc_verify(json.loads(vc.content)).valid


def test_another_learners_credential_is_not_found(client, credentials, settings):
    _, theirs = credentials
    _sign_in(client, settings)
    assert client.get(reverse("verification:portal_document", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("verification:portal_vc", args=[theirs.pk])).status_code == 404


def test_a_learner_never_reaches_staff_pages(client, credentials, settings):
    mine, _ = credentials
    _sign_in(client, settings)
    for url in [
        reverse("home"),
        reverse("credentials:register"),
        reverse("credentials:detail", args=[mine.pk]),
        reverse("learners:list"),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url


def test_signing_out_ends_the_portal_session(client, credentials, settings):
    _sign_in(client, settings)
    client.post(reverse("verification:portal_sign_out"))
    assert client.get(reverse("verification:portal_home")).status_code == 302


def test_portal_access_turned_off_at_finalisation(client, credentials, settings, learners):
    mine, _ = credentials
    _sign_in(client, settings)
    _ask(client.__class__(), EMAIL)  # a link asked for before access is turned off
    pending = _path(_link(mail.outbox[-1]), settings)
    enrolment = mine.course_enrolment
    enrolment.portal_access_disabled = True
    enrolment.save()

    # The open session loses access at once.
    assert client.get(reverse("verification:portal_home")).status_code == 302
    assert client.get(reverse("verification:portal_vc", args=[mine.pk])).status_code == 302
    # The pending link no longer signs in, and no new link is sent.
    response = client.__class__().post(pending)
    assert response.status_code == 410
    assert PORTAL_DISABLED in response.content.decode()
    mail.outbox.clear()
    assert _ask(client, EMAIL).status_code == 200
    assert mail.outbox == []


def test_link_requests_are_rate_limited(client, credentials, settings):
    settings.RATE_LIMITS = {"portal": (2, 600)}
    assert _ask(client, EMAIL).status_code == 200
    assert _ask(client, EMAIL).status_code == 200
    assert _ask(client, EMAIL).status_code == 429
    assert len(mail.outbox) == 2
