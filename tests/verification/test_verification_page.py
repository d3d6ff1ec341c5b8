"""The public page an employer opens from the QR code: what it shows, and what it never shows."""

import pytest
from django.urls import reverse

from testamur.credentials.models import CredentialStatus
from testamur.credentials.services import credential_cancel, credential_reissue
from tests.credentials.helpers import issue
from tests.verification.helpers import one_issued, without_csrf

pytestmark = pytest.mark.django_db

PRIVATE_REASON = "Learner disputed assessment evidence: see case file 2026-114"


@pytest.fixture
def credential(rto_admin, django_capture_on_commit_callbacks):
    return one_issued(
        rto_admin,
        django_capture_on_commit_callbacks,
        email="mia.nguyen@example.com",
        address_line="12 Harbour Street",
        suburb="Balmain",
    )


def _page(client, credential):
    return client.get(reverse("verification:verify", args=[credential.verification_code]))


def test_anyone_sees_a_valid_credential_and_what_it_states(client, credential):
    response = _page(client, credential)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Valid" in html
    assert "Harbour City Training" in html
    assert "RTO code 41234" in html
    assert "Statement of Attainment" in html
    assert credential.number in html
    assert "Mia Nguyen" in html
    assert "BSB40120 Certificate IV in Business" in html
    assert "BSBWHS411" in html and "BSBOPS404" in html
    assert "BSBXCM401" not in html  # not achieved, so not stated
    assert credential.issued_on.strftime("%d/%m/%Y") in html
    assert reverse("verification:verify_vc", args=[credential.verification_code]) in html


def test_the_qr_address_on_the_document_is_this_page(client, credential, settings):
    from testamur.credentials.documents import verification_url

    path = verification_url(credential).removeprefix(settings.PUBLIC_BASE_URL)
    assert client.get(path).status_code == 200


def test_personal_data_beyond_the_display_name_is_never_shown(client, credential, rto_admin):
    learner = credential.learner
    credential_cancel(actor=rto_admin, credential=credential, reason=PRIVATE_REASON)
    html = _page(client, credential).content.decode()
    for private in [
        learner.usi,
        learner.date_of_birth.strftime("%d/%m/%Y"),
        learner.date_of_birth.isoformat(),
        learner.email,
        learner.address_line,
        learner.suburb,
        learner.middle_names,
        learner.client_id,
        PRIVATE_REASON,
    ]:
        assert private not in html


def test_a_cancelled_credential_shows_cancelled_with_its_date(client, credential, rto_admin):
    credential_cancel(actor=rto_admin, credential=credential, reason="Issued in error")
    credential.refresh_from_db()
    response = _page(client, credential)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Cancelled" in html and "Valid" not in html
    assert f"Cancelled on {credential.cancelled_at.astimezone():%d/%m/%Y}" in html
    assert "Download the digital credential" not in html


def test_a_replaced_credential_links_to_its_replacement(
    client, credential, rto_admin, django_capture_on_commit_callbacks
):
    replacement = credential_reissue(actor=rto_admin, credential=credential, reason="Name misspelt")
    # Until the replacement is issued, the old one is simply cancelled.
    assert "Replaced" not in _page(client, credential).content.decode()
    # Issue generates and signs it, whether or not its own generation has finished.
    issue(rto_admin, [replacement], django_capture_on_commit_callbacks)
    replacement.refresh_from_db()
    assert replacement.status == CredentialStatus.ISSUED

    html = _page(client, credential).content.decode()
    assert "Replaced" in html
    assert replacement.number in html
    assert reverse("verification:verify", args=[replacement.verification_code]) in html
    assert "Valid" in _page(client, replacement).content.decode()


def test_a_credential_not_yet_issued_cannot_be_verified(
    client, rto_admin, django_capture_on_commit_callbacks
):
    from tests.factories import credential_make

    credential = credential_make()
    credential.verification_code = "AAAAAAAAAAAAAAAAAAAAAA"
    credential.save()
    response = client.get(reverse("verification:verify", args=[credential.verification_code]))
    assert response.status_code == 404


def test_unknown_and_malformed_codes_get_the_same_not_found_page(client, credential):
    unknown = client.get(reverse("verification:verify", args=["B" * 22]))
    malformed = client.get("/v/%3Cscript%3E")
    assert unknown.status_code == malformed.status_code == 404
    assert without_csrf(unknown.content) == without_csrf(malformed.content)
    assert b"Credential not found" in unknown.content
