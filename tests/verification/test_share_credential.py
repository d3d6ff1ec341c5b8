"""Sharing: "Add to LinkedIn profile" carries what LinkedIn's certification form needs, and a QR
code / link lets a wallet import the signed credential."""

import html
import json
import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from testamur.credentials.services import credential_cancel
from testamur.verification.verifier import vc_verify
from testamur.verification.views.portal import SESSION_KEY
from tests.verification.helpers import one_issued

pytestmark = pytest.mark.django_db


@pytest.fixture
def credential(rto_admin, django_capture_on_commit_callbacks):
    return one_issued(rto_admin, django_capture_on_commit_callbacks, credential_type="testamur")


def _page(client, credential):
    return client.get(reverse("verification:verify", args=[credential.verification_code]))


def _linkedin(page: str) -> tuple[str, dict]:
    href = html.unescape(re.search(r'href="(https://www\.linkedin\.com/[^"]+)"', page).group(1))
    parts = urlsplit(href)
    return f"{parts.scheme}://{parts.netloc}{parts.path}", {
        k: v[0] for k, v in parse_qs(parts.query).items()
    }


def test_the_linkedin_link_prefills_the_certification(client, credential, settings):
    page = _page(client, credential).content.decode()
    assert "Add to LinkedIn profile" in page
    address, params = _linkedin(page)
    record = credential.issuance
    assert address == "https://www.linkedin.com/profile/add"
    assert params == {
        "startTask": "CERTIFICATION_NAME",
        "name": "BSB40120 Certificate IV in Business",
        "organizationName": record.organisation["name"],
        "issueYear": str(record.issued_on.year),
        "issueMonth": str(record.issued_on.month),
        "certId": record.number,
        "certUrl": f"{settings.PUBLIC_BASE_URL}/v/{record.verification_code}",
    }
    assert record.learner_family_name not in json.dumps(params)


def test_with_the_rtos_linkedin_page_the_link_names_that_page(client, credential, settings):
    settings.LINKEDIN_ORGANIZATION_ID = "75645939"
    _address, params = _linkedin(_page(client, credential).content.decode())
    assert params["organizationId"] == "75645939"
    assert "organizationName" not in params


def test_a_wallet_imports_the_signed_credential_from_the_qr_link(client, credential, settings):
    page = _page(client, credential).content.decode()
    wallet_url = re.search(r'id="wallet-link">([^<]+)<', page).group(1)
    assert wallet_url == (
        f"{settings.PUBLIC_BASE_URL}/v/{credential.verification_code}/open-badge.json"
    )
    assert "<svg" in page.split('class="qr"')[1][:400]
    document = json.loads(client.get(wallet_url.removeprefix(settings.PUBLIC_BASE_URL)).content)
    assert vc_verify(document).valid


def test_a_cancelled_credential_offers_nothing_to_share(client, credential, rto_admin):
    credential_cancel(actor=rto_admin, credential=credential, reason="Issued in error")
    page = _page(client, credential).content.decode()
    assert "linkedin.com" not in page
    assert "wallet-link" not in page


def test_the_portal_offers_the_linkedin_link_for_each_credential(client, credential):
    session = client.session
    session[SESSION_KEY] = {"learner": credential.learner_id, "at": time.time()}
    session.save()
    page = client.get(reverse("verification:portal_home")).content.decode()
    _address, params = _linkedin(page)
    assert params["certId"] == credential.number
