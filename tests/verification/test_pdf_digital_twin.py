"""The issued PDF carries its digital twin: PDF/A-3b with the signed Open Badges credential
embedded as an associated file, made before the document is certified — and after signing it
still declares PDF/A-3b and poppler's pdfsig finds the signature valid."""

import io
import json
import shutil
import subprocess

import pikepdf
import pytest
from django.urls import reverse

from testamur.core.models import Event
from testamur.credentials.models import CredentialStatus
from testamur.credentials.rendering.pdfa import pdfa_problems
from testamur.verification import keys
from testamur.verification.models import DigitalCredential, VcSigningKey
from testamur.verification.pdf_twin import embedded_credential
from testamur.verification.verifier import vc_verify
from tests.verification.helpers import one_issued

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def twin_on(settings):
    settings.ISSUED_PDF_DIGITAL_TWIN = True


# poppler-utils (installed by .ci/run): an independent reader of the signature.
PDFSIG = shutil.which("pdfsig") or "/usr/bin/pdfsig"


def _document(credential) -> bytes:
    with credential.document.open("rb") as handle:
        return handle.read()


@pytest.fixture
def credential(rto_admin, django_capture_on_commit_callbacks):
    return one_issued(rto_admin, django_capture_on_commit_callbacks)


def test_the_issued_pdf_carries_the_credential_served_for_it(client, credential):
    pdf = _document(credential)
    embedded = embedded_credential(pdf)
    served = json.loads(
        client.get(reverse("verification:verify_vc", args=[credential.verification_code])).content
    )
    assert embedded == served
    assert vc_verify(embedded).valid
    assert embedded["name"].endswith(credential.number)
    with pikepdf.open(io.BytesIO(pdf)) as document:
        assert list(document.attachments) == [f"{credential.number}-open-badge.json"]
        [spec] = document.Root.AF
        assert spec.AFRelationship == "/Alternative"
        assert spec.EF.F.Subtype == "/application/ld+json"


def test_the_digital_credential_is_made_once_and_recorded_in_the_issue(credential):
    entry = DigitalCredential.objects.get(credential=credential)
    assert entry.signed is not None
    events = credential_events(credential, "digital_credential_issued")
    assert [e.data["in_document"] for e in events] == [True]


def credential_events(credential, action):
    return list(
        Event.objects.filter(subject_type="credential", subject_id=credential.pk, action=action)
    )


def test_the_signed_pdf_still_declares_and_holds_pdfa_3b(credential):
    pdf = _document(credential)
    assert pdfa_problems(pdf) == []
    with pikepdf.open(io.BytesIO(pdf)) as document:
        meta = document.open_metadata()
        assert (meta.get("pdfaid:part"), meta.get("pdfaid:conformance")) == ("3", "B")
        assert document.Root.OutputIntents[0].S == "/GTS_PDFA1"


def test_pdfsig_finds_the_certification_signature_valid(credential, tmp_path):
    path = tmp_path / "issued.pdf"
    path.write_bytes(_document(credential))
    result = subprocess.run([PDFSIG, str(path)], capture_output=True, text=True, check=False)
    assert "Signature Validation: Signature is Valid." in result.stdout, result.stdout
    assert "Total document signed" in result.stdout  # the signature covers the whole file


def test_a_changed_pdf_still_shows_its_credential_but_not_a_valid_signature(credential, tmp_path):
    pdf = _document(credential) + b"\n% appended\n"
    assert embedded_credential(pdf) is not None
    path = tmp_path / "changed.pdf"
    path.write_bytes(pdf)
    result = subprocess.run([PDFSIG, str(path)], capture_output=True, text=True, check=False)
    assert "Total document signed" not in result.stdout


def test_with_the_setting_off_the_pdf_is_pdfa_without_a_twin(
    rto_admin, django_capture_on_commit_callbacks, settings, client
):
    settings.ISSUED_PDF_DIGITAL_TWIN = False
    credential = one_issued(rto_admin, django_capture_on_commit_callbacks, given_name="Tom")
    pdf = _document(credential)
    assert embedded_credential(pdf) is None
    assert pdfa_problems(pdf) == []
    # The digital credential is still made, after the issue, as before.
    response = client.get(reverse("verification:verify_vc", args=[credential.verification_code]))
    assert vc_verify(json.loads(response.content)).valid


@pytest.mark.parametrize(
    "data",
    [b"", b"%PDF-1.7\n", b"%PDF-1.7\n" + bytes(range(256)) * 10, b"not a pdf", None, "text"],
)
def test_embedded_credential_says_none_for_anything_else(data):
    assert embedded_credential(data) is None


def test_a_pdf_with_a_json_attachment_that_is_not_an_object_has_no_credential():
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.attachments["X-1-open-badge.json"] = pikepdf.AttachedFileSpec(pdf, b"[1, 2]")
    out = io.BytesIO()
    pdf.save(out)
    assert embedded_credential(out.getvalue()) is None


def test_the_check_notices_a_pdf_that_is_not_pdfa():
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.attachments["X-1-open-badge.json"] = pikepdf.AttachedFileSpec(pdf, b"{}")
    del pdf.Root.AF
    out = io.BytesIO()
    pdf.save(out)
    problems = pdfa_problems(out.getvalue())
    assert "Embedded file X-1-open-badge.json has no MIME type or modification date." in problems
    assert any("pdfaid:part None" in p for p in problems)
    assert "There is no PDF/A output intent with an ICC profile." in problems
    assert any("not an associated file" in p for p in problems)
    assert pdfa_problems(b"garbage")[0].startswith("Not a readable PDF")


def test_a_locked_badge_key_issues_the_document_without_its_twin(
    rto_admin, django_capture_on_commit_callbacks, monkeypatch
):
    keys.active_vc_signing_key()
    VcSigningKey.objects.update(private_key_encrypted=b"not the key")
    monkeypatch.setattr(keys, "_cache", {})
    credential = one_issued(rto_admin, django_capture_on_commit_callbacks, given_name="Ana")
    assert credential.status == CredentialStatus.ISSUED
    pdf = _document(credential)
    assert embedded_credential(pdf) is None
    assert pdfa_problems(pdf) == []


@pytest.mark.parametrize("twin", [True, False], ids=["in the issue run", "in the background"])
def test_the_credential_is_the_same_whichever_path_signs_it(
    twin, rto_admin, django_capture_on_commit_callbacks, settings
):
    """A learner's credential names the RTO by its DID (did:web by default, decision 0021) and
    publishes its proof as a set, as the OB 3.0 schema requires, whether the issue run signed it
    for the PDF or the background task signed it after."""
    settings.ISSUED_PDF_DIGITAL_TWIN = twin
    credential = one_issued(rto_admin, django_capture_on_commit_callbacks)
    signed = DigitalCredential.objects.get(credential=credential).signed
    assert (embedded_credential(_document(credential)) == signed) is twin
    issuer, method = keys.signing_identity(keys.active_vc_signing_key())
    assert issuer.startswith("did:web:")
    assert signed["issuer"]["id"] == issuer
    assert isinstance(signed["proof"], list)
    assert [proof["verificationMethod"] for proof in signed["proof"]] == [method]
    assert vc_verify(signed).valid
