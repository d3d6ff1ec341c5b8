"""Signatures assembled from the signer's CMS template are the signatures pyHanko would make:
byte for byte where the signature is deterministic (RSA PKCS#1 v1.5), and valid, certified
and locked for pyHanko's validator and for poppler's `pdfsig` in every case."""

import asyncio
import concurrent.futures
import datetime
import hashlib
import io
import shutil
import subprocess

import pikepdf
import pytest
from asn1crypto import cms
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from pyhanko.sign import signers

from testamur.credentials.rendering.bounded import get_renderer
from testamur.credentials.rendering.context import sample_context
from testamur.credentials.rendering.engine import builtin_source
from testamur.organisation.cms_template import TEMPLATE_UNUSABLE, CmsTemplate
from testamur.organisation.pdf_signing import SIGNED_CONTENT_CHANGED, Signer

PDFSIG = shutil.which("pdfsig")


def _run(coroutine):
    """Run a coroutine to its end in a thread of its own: a browser test earlier in this
    process may leave an event loop running in the main thread."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _rsa_signer() -> Signer:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "RSA Training College")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return Signer(key, certificate)


@pytest.fixture(scope="module", params=["ecdsa", "rsa"])
def signer(request):
    if request.param == "rsa":
        return _rsa_signer()
    return Signer.from_pkcs12(*Signer.generate_self_signed("Example Training", "Example Pty"))


@pytest.fixture(scope="module")
def documents():
    """Three different documents, as a run signs one after another."""
    renderer = get_renderer()
    made = []
    for name in ["Ana Example", "Bo Example", "Cy Example"]:
        data = sample_context("statement_of_attainment")
        data["learner"]["full_name"] = name
        made.append(renderer.render(source=builtin_source("statement_of_attainment"), data=data))
    return made


@pytest.fixture(scope="module")
def signed(signer, documents):
    return [
        signer.sign(pdf, reason="Issued credential", location="Sydney NSW") for pdf in documents
    ]


def test_every_document_signed_from_the_template_is_valid_certified_and_locked(signer, signed):
    for pdf in signed:
        report = signer.validate(pdf)
        assert (report.valid, report.certified, report.docmdp_no_changes) == (True, True, True)
        with pikepdf.open(io.BytesIO(pdf)) as document:
            assert "/DocMDP" in document.Root.Perms


@pytest.mark.skipif(PDFSIG is None, reason="poppler-utils (pdfsig) is not installed")
def test_pdfsig_reads_each_signature_as_valid_over_the_whole_document(signed, tmp_path):
    for i, pdf in enumerate(signed):
        path = tmp_path / f"signed-{i}.pdf"
        path.write_bytes(pdf)
        report = subprocess.run([PDFSIG, str(path)], capture_output=True, text=True).stdout
        assert "Signature Validation: Signature is Valid." in report
        assert "Total document signed" in report
        assert "Signature Field Name: CredentialCertification" in report


@pytest.mark.skipif(PDFSIG is None, reason="poppler-utils (pdfsig) is not installed")
def test_a_changed_byte_breaks_the_signature_for_pdfsig_and_pyhanko(signer, signed, tmp_path):
    pdf = bytearray(signed[0])
    at = pdf.index(b"Statement of Attainment") if b"Statement of Attainment" in pdf else 200
    pdf[at] ^= 0x01
    path = tmp_path / "tampered.pdf"
    path.write_bytes(bytes(pdf))

    report = subprocess.run([PDFSIG, str(path)], capture_output=True, text=True).stdout

    assert "Signature Validation: Signature is Valid." not in report
    assert signer.validate(bytes(pdf)).problem == SIGNED_CONTENT_CHANGED


def test_the_template_builds_exactly_what_pyhanko_builds():
    """RSA PKCS#1 v1.5 signatures are deterministic: both ways must give the same bytes."""
    signer = _rsa_signer()._signer
    for content in [b"first document", b"second document"]:
        digest = hashlib.sha256(content).digest()
        fast = _run(signer.async_sign(digest, "sha256", use_pades=True))
        slow = _run(signers.SimpleSigner.async_sign(signer, digest, "sha256", use_pades=True))
        assert fast.dump() == slow.dump()


def test_a_signature_with_unsigned_attributes_is_refused_as_a_template():
    """A timestamped signature (unsigned attributes) is not one the template can rebuild."""
    signer = _rsa_signer()._signer
    marker = bytes(range(32))
    made = _run(signer.async_sign(marker, "sha256", use_pades=True, dry_run=True)).dump()
    content_info = cms.ContentInfo.load(made)
    info = content_info["content"]["signer_infos"][0]
    when = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    info["unsigned_attrs"] = cms.CMSAttributes(
        [{"type": "signing_time", "values": [cms.Time({"utc_time": when})]}]
    )
    with pytest.raises(ValueError) as refused:
        CmsTemplate.from_der(content_info.dump(force=True), marker)
    assert str(refused.value).startswith(TEMPLATE_UNUSABLE.split("{")[0])
