"""The public /verify/ page: paste or drop a credential JSON, a badge image or one of our
PDFs, and read what it is; any other bytes get a clear answer, never a 500."""

import io
import json

import pikepdf
import pytest
from django.urls import reverse
from django.utils.html import escape

from testamur.credentials.services import credential_cancel
from testamur.verification import checking
from testamur.verification.models import DigitalCredential
from testamur.verification.views import verifier
from tests.verification.helpers import one_issued

pytestmark = pytest.mark.django_db

URL = "/verify/"


@pytest.fixture(autouse=True)
def _https_base(settings):
    settings.PUBLIC_BASE_URL = "https://credentials.harbourcity.example"


@pytest.fixture
def credential(rto_admin, django_capture_on_commit_callbacks):
    return one_issued(rto_admin, django_capture_on_commit_callbacks)


def _pdf(credential) -> bytes:
    with credential.document.open("rb") as handle:
        return handle.read()


def _upload(client, name: str, data: bytes, content_type: str) -> str:
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(URL, {"file": SimpleUploadedFile(name, data, content_type)})
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_is_reachable_from_the_address_everyone_knows(client):
    assert reverse("verification:verifier") == URL
    page = client.get(URL).content.decode()
    assert "Verify a digital credential" in page
    assert 'name="credential"' in page and 'type="file"' in page


def test_a_pasted_credential_shows_signature_issuer_status_dates_and_achievement(
    client, credential
):
    vc = DigitalCredential.objects.get(credential=credential).signed
    page = client.post(URL, {"credential": json.dumps(vc)}).content.decode()
    assert '<p class="verify-status-word" id="verify-status-word">Valid</p>' in page
    assert "Valid (Data Integrity, eddsa-rdfc-2022)" in page
    assert "Harbour City Training" in page and "did:web:credentials.harbourcity.example" in page
    assert vc["validFrom"] in page
    assert "BSB40120 Certificate IV in Business" in page


def test_a_revoked_credential_says_revoked(client, credential, rto_admin):
    vc = DigitalCredential.objects.get(credential=credential).signed
    credential_cancel(actor=rto_admin, credential=credential, reason="Issued in error")
    page = _upload(client, "badge.json", json.dumps(vc).encode(), "application/json")
    assert '<p class="verify-status-word" id="verify-status-word">Revoked</p>' in page


def test_our_pdf_is_recognised_as_the_file_issued(client, credential):
    page = _upload(client, "certificate.pdf", _pdf(credential), "application/pdf")
    assert '<p class="verify-status-word" id="verify-status-word">Valid</p>' in page
    assert "Exactly the document issued" in page
    assert "Intact: signed by this RTO" in page
    assert credential.number in page


def test_an_edited_pdf_is_not_the_file_issued(client, credential):
    original = _pdf(credential)
    edited = original + b"\n% a line added after signing\n"
    page = _upload(client, "certificate.pdf", edited, "application/pdf")
    assert '<p class="verify-status-word" id="verify-status-word">Not verified</p>' in page
    assert checking.PDF_CHANGED in page


def _unsigned_pdf() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


PNG_WITHOUT_CREDENTIAL = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


@pytest.mark.parametrize(
    ("name", "data", "content_type", "message"),
    [
        ("plain.pdf", _unsigned_pdf(), "application/pdf", checking.PDF_NOT_SIGNED),
        ("broken.pdf", b"%PDF-1.7\n garbage", "application/pdf", checking.PDF_UNREADABLE),
        ("badge.png", PNG_WITHOUT_CREDENTIAL, "image/png", checking.IMAGE_WITHOUT_CREDENTIAL),
        (
            "badge.svg",
            b"<svg xmlns='http://www.w3.org/2000/svg'/>",
            "image/svg+xml",
            checking.IMAGE_WITHOUT_CREDENTIAL,
        ),
        ("vc.json", b'{"@context": ', "application/json", "This is not valid JSON"),
        (
            "noise.bin",
            b"\x00\x01\x02 not a credential",
            "application/octet-stream",
            checking.UNKNOWN_FORMAT,
        ),
        (
            "huge.json",
            b"[" * (checking.MAX_UPLOAD_BYTES + 1),
            "application/json",
            checking.TOO_LARGE.format(limit="5 MB"),
        ),
        (
            "big.json",
            b" " * (checking.MAX_JSON_BYTES + 1) + b"{}",
            "application/json",
            checking.TOO_LARGE.format(limit="256 KB"),
        ),
    ],
    ids=["unsigned pdf", "broken pdf", "png", "svg", "malformed", "noise", "huge", "big json"],
)
def test_bad_input_gets_a_clear_answer(client, name, data, content_type, message):
    page = _upload(client, name, data, content_type)
    assert '<p class="verify-status-word" id="verify-status-word">Not verified</p>' in page
    assert escape(message) in page


def test_nothing_given_says_what_to_give(client):
    page = client.post(URL, {"credential": "  "}).content.decode()
    assert escape(verifier.NOTHING_GIVEN) in page
