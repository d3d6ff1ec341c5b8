"""Certifying issued PDFs (DESIGN.md rule 8) and checking them again.

An issued credential gets a PAdES baseline B-B certification signature with DocMDP level 1
("no changes allowed"): any later change to the file shows as breaking the signature. No
timestamps, OCSP or CRLs: signing never touches the network. Build one Signer per process;
it keeps the parsed key, the certificate and the reserved signature size between documents.
"""

import asyncio
import concurrent.futures
import datetime
import io
import os
import secrets
import threading
from dataclasses import dataclass

from asn1crypto import cms
from cryptography import x509 as pyca_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.keys.internal import (
    translate_pyca_cryptography_cert_to_asn1,
    translate_pyca_cryptography_key_to_asn1,
)
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import read_certification_data
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from testamur.organisation.cms_template import CmsTemplate, marker_digest

FIELD_NAME = "CredentialCertification"
DIGEST = "sha256"
CERTIFICATE_YEARS = 10
PKCS12_UNREADABLE = "The signing certificate file could not be opened: {reason}"
SIGNED_CONTENT_CHANGED = "The signed content was changed: this is not the document as issued."
SIGNER_NOT_TRUSTED = "The document was not signed with this RTO's certificate."
CHANGED_AFTER_SIGNING = "The file was changed after it was signed."
NOT_ONE_SIGNATURE = "The file does not carry exactly one signature."
UNREADABLE_PDF = "The file could not be read as a PDF: {reason}"


def _outside_event_loop(function, *args):
    """Call `function` (pyHanko runs asyncio.run inside) where no event loop is running.

    A thread that already runs a loop (ASGI, Playwright's sync API) gets a helper thread.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args).result()


# The main thread (a worker's, engine_raw's) signs on one event loop it keeps: asyncio.run
# (pyHanko's synchronous calls) makes and tears down a loop for every signature, a tenth of a
# signature's time. Other threads may be short-lived (a development server's request threads)
# and keep none. A forked child starts without it (the loop's selector would be shared).
_kept_loop: asyncio.Runner | None = None


def _forget_kept_loop() -> None:
    global _kept_loop
    _kept_loop = None


os.register_at_fork(after_in_child=_forget_kept_loop)


def _run(coroutine):
    """Run `coroutine` to its end: on the main thread's kept loop, on a loop of its own in any
    other thread, or, in a thread that already runs a loop, in a helper thread."""
    global _kept_loop
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        if threading.current_thread() is not threading.main_thread():
            return asyncio.run(coroutine)
        if _kept_loop is None:
            _kept_loop = asyncio.Runner()
        return _kept_loop.run(coroutine)
    return _outside_event_loop(asyncio.run, coroutine)


@dataclass(frozen=True)
class SignatureReport:
    valid: bool
    certified: bool
    docmdp_no_changes: bool
    signer_name: str
    problem: str = ""


class _KeepKeySigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner parses its private key again for every signature (about 38 ms
    for RSA 2048, most of the cost of signing); this one keeps the parsed key. It also builds
    the CMS of each PDF signature from a template made once (cms_template.py): pyHanko's own
    assembly of it with asn1crypto is most of the rest of the cost."""

    def __init__(self, *, private_key, **kwargs):
        super().__init__(**kwargs)
        self._private_key = private_key
        self._templates: dict[str, CmsTemplate] = {}

    async def async_sign(
        self,
        data_digest: bytes,
        digest_algorithm: str,
        dry_run=False,
        use_pades=False,
        timestamper=None,
        signed_attr_settings=None,
        is_pdf_sig=True,
        encap_content_info=None,
    ) -> cms.ContentInfo:
        plain = signed_attr_settings is None or (
            signed_attr_settings.adobe_revinfo_attr is None
            and signed_attr_settings.cades_signed_attrs is None
        )
        if dry_run or not use_pades or timestamper or not plain or not is_pdf_sig:
            return await super().async_sign(
                data_digest,
                digest_algorithm,
                dry_run=dry_run,
                use_pades=use_pades,
                timestamper=timestamper,
                signed_attr_settings=signed_attr_settings,
                is_pdf_sig=is_pdf_sig,
                encap_content_info=encap_content_info,
            )
        if encap_content_info is not None:
            raise ValueError("A PDF signature encapsulates no content.")
        template = self._templates.get(digest_algorithm)
        if template is None:
            marker = marker_digest(len(data_digest))
            made = await super().async_sign(
                marker, digest_algorithm, use_pades=True, signed_attr_settings=None
            )
            template = CmsTemplate.from_der(made.dump(), marker)
            self._templates[digest_algorithm] = template
        der = template.assemble(
            data_digest, lambda attributes: self.sign_raw(attributes, digest_algorithm)
        )
        # Loaded, not built: asn1crypto keeps these bytes and pyHanko writes them as they are.
        return cms.ContentInfo.load(der)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        digest = get_pyca_cryptography_hash(digest_algorithm)
        if mechanism == "rsassa_pkcs1v15" and isinstance(self._private_key, rsa.RSAPrivateKey):
            return self._private_key.sign(data, padding.PKCS1v15(), digest)
        if mechanism == "ecdsa" and isinstance(self._private_key, ec.EllipticCurvePrivateKey):
            return self._private_key.sign(data, ec.ECDSA(digest))
        return super().sign_raw(data, digest_algorithm)


class Signer:
    """Signs and checks credential PDFs with one certificate (self-signed or CA-issued)."""

    def __init__(self, private_key, certificate: pyca_x509.Certificate, chain=()):
        self.certificate = certificate
        self._cert = translate_pyca_cryptography_cert_to_asn1(certificate)
        self._chain = [translate_pyca_cryptography_cert_to_asn1(c) for c in chain]
        self._signer = _KeepKeySigner(
            private_key=private_key,
            signing_cert=self._cert,
            signing_key=translate_pyca_cryptography_key_to_asn1(private_key),
            cert_registry=SimpleCertificateStore.from_certs(self._chain),
        )
        self._pdf_signers: dict[tuple[str, str], signers.PdfSigner] = {}
        self._bytes_reserved = self._reserve()

    @classmethod
    def from_pkcs12(cls, data: bytes, passphrase: bytes | None) -> "Signer":
        try:
            key, cert, chain = pkcs12.load_key_and_certificates(data, passphrase)
        except ValueError as error:
            raise ValueError(PKCS12_UNREADABLE.format(reason=error)) from None
        if key is None or cert is None:
            raise ValueError(PKCS12_UNREADABLE.format(reason="no key and certificate inside"))
        return cls(key, cert, chain)

    @staticmethod
    def generate_self_signed(common_name: str, organisation: str) -> tuple[bytes, bytes]:
        """A new ECDSA P-256 key and 10-year self-signed certificate, as (PKCS#12, passphrase).

        For demos and RTOs without a CA-issued certificate: readers show the signature as
        intact but from an unknown signer until the certificate is trusted.
        """
        key = ec.generate_private_key(ec.SECP256R1())
        name = pyca_x509.Name(
            [
                pyca_x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                pyca_x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                pyca_x509.NameAttribute(NameOID.COUNTRY_NAME, "AU"),
            ]
        )
        now = datetime.datetime.now(datetime.UTC)
        cert = (
            pyca_x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(pyca_x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=365 * CERTIFICATE_YEARS + 2))
            .add_extension(pyca_x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                pyca_x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=True,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                pyca_x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .sign(key, hashes.SHA256())
        )
        passphrase = secrets.token_urlsafe(24).encode()
        data = pkcs12.serialize_key_and_certificates(
            common_name.encode(), key, cert, None, serialization.BestAvailableEncryption(passphrase)
        )
        return data, passphrase

    @property
    def signer_name(self) -> str:
        return self._cert.subject.native.get("common_name", self._cert.subject.human_friendly)

    def _reserve(self) -> int:
        # pyHanko would otherwise make a throw-away signature before every real one to size
        # the /Contents hole; size it once. ECDSA signatures vary by a few bytes: add slack.
        dry = _run(
            self._signer.async_sign(
                bytes(32),
                DIGEST,
                dry_run=True,
                use_pades=True,
                signed_attr_settings=PdfCMSSignedAttributes(),
            )
        )
        size = 2 * len(dry.dump()) + 256
        return size + size % 2

    def _pdf_signer(self, reason: str, location: str) -> signers.PdfSigner:
        pdf_signer = self._pdf_signers.get((reason, location))
        if pdf_signer is None:
            meta = signers.PdfSignatureMetadata(
                field_name=FIELD_NAME,
                md_algorithm=DIGEST,
                reason=reason,
                location=location,
                certify=True,
                docmdp_permissions=MDPPerm.NO_CHANGES,
                subfilter=SigSeedSubFilter.PADES,
            )
            pdf_signer = signers.PdfSigner(meta, self._signer)
            if len(self._pdf_signers) < 32:
                self._pdf_signers[(reason, location)] = pdf_signer
        return pdf_signer

    def sign(self, pdf: bytes, *, reason: str, location: str) -> bytes:
        """`pdf` with a certification signature that allows no later changes."""
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        signing = self._pdf_signer(reason, location).async_sign_pdf(
            writer, bytes_reserved=self._bytes_reserved
        )
        return _run(signing).getvalue()

    def validate(self, pdf: bytes) -> SignatureReport:
        """Check `pdf`'s signature against this signer's certificate as the only trust root."""
        return _outside_event_loop(self._validate, pdf)

    def _validate(self, pdf: bytes) -> SignatureReport:
        try:
            reader = PdfFileReader(io.BytesIO(pdf))
            signatures = reader.embedded_signatures
            if len(signatures) != 1:
                return SignatureReport(False, False, False, "", NOT_ONE_SIGNATURE)
            signature = signatures[0]
            context = ValidationContext(
                trust_roots=[self._cert, *self._chain], allow_fetching=False
            )
            status = validate_pdf_signature(signature, context)
            certification = read_certification_data(reader)
        except Exception as error:  # a damaged file is an invalid signature, not a crash
            return SignatureReport(False, False, False, "", UNREADABLE_PDF.format(reason=error))
        certified = certification is not None and certification.author_sig == signature.sig_object
        whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
        if not (status.intact and status.valid):
            problem = SIGNED_CONTENT_CHANGED
        elif not status.trusted:
            problem = SIGNER_NOT_TRUSTED
        elif not (whole_file and status.bottom_line):
            problem = CHANGED_AFTER_SIGNING
        else:
            problem = ""
        return SignatureReport(
            valid=not problem,
            certified=certified,
            docmdp_no_changes=signature.docmdp_level == MDPPerm.NO_CHANGES,
            signer_name=status.signing_cert.subject.native.get("common_name", ""),
            problem=problem,
        )


generate_self_signed = Signer.generate_self_signed
