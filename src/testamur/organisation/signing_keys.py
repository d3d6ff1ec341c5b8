"""The RTO's signing key: stored, activated, and loaded once per process for signing."""

import base64
import datetime
import hashlib
import threading
from dataclasses import dataclass

from asn1crypto import pkcs12 as asn1_pkcs12
from cryptography import x509
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.views.decorators.debug import sensitive_variables

from testamur.core.events import event_record
from testamur.organisation.models import Organisation, SigningKey

NOT_PKCS12 = (
    "This file is not a PKCS#12 (.p12 or .pfx) file. Export the certificate together with its "
    "private key as PKCS#12 and upload that."
)
WRONG_PASSPHRASE = "The passphrase does not open this PKCS#12 file. Check it and try again."  # noqa: S105
NO_KEY_INSIDE = "This PKCS#12 file holds no private key and certificate pair."
PKCS12_TOO_LARGE = "This file is larger than {limit} KB; a PKCS#12 key file is much smaller."
CERTIFICATE_EXPIRED = "The certificate expired on {date}. Upload a current certificate."
CERTIFICATE_NOT_YET_VALID = "The certificate is not valid until {date}."
KEY_TYPE_UNSUITABLE = (
    "The key is not suitable for signing credentials: use an RSA key of 2048 bits or more, or an "
    "elliptic-curve (ECDSA) key."
)
KEY_USAGE_UNSUITABLE = "The certificate's key usage does not allow signing documents."
KEY_UNSUITABLE = "This key and certificate could not sign a test document: {reason}"
MAX_PKCS12_BYTES = 100 * 1024
MIN_RSA_BITS = 2048
SIGNING_KEY_LOCKED = (
    "The stored signing key can no longer be unlocked (the server's SECRET_KEY changed). "
    "Upload the PKCS#12 file again in Settings."
)

_cache_lock = threading.Lock()
_cache: dict = {}


def _fernet() -> Fernet:
    digest = hashlib.sha256(("testamur-signing-key:" + settings.SECRET_KEY).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


@dataclass(frozen=True)
class CertificateDetails:
    subject: str
    issuer: str
    not_before: datetime.datetime
    not_after: datetime.datetime
    fingerprint_sha256: str
    is_self_signed: bool


def _is_pkcs12(data: bytes) -> bool:
    try:
        pfx = asn1_pkcs12.Pfx.load(data, strict=True)
        pfx["auth_safe"]["content_type"].native  # noqa: B018 - parsing is the check
    except (ValueError, TypeError, KeyError):
        return False
    return True


@sensitive_variables("passphrase", "key")
def _open(data: bytes, passphrase: bytes | None):
    if len(data) > MAX_PKCS12_BYTES:
        raise ValidationError(PKCS12_TOO_LARGE.format(limit=MAX_PKCS12_BYTES // 1024))
    if not _is_pkcs12(data):
        raise ValidationError(NOT_PKCS12)
    try:
        # OpenSSL tries both "no passphrase" and "" when none is given.
        key, cert, chain = pkcs12.load_key_and_certificates(data, passphrase or None)
    except (ValueError, TypeError) as exc:
        raise ValidationError(WRONG_PASSPHRASE) from exc
    if key is None or cert is None:
        raise ValidationError(NO_KEY_INSIDE)
    return key, cert, chain


def _check_suitable(key, cert: x509.Certificate) -> None:
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < MIN_RSA_BITS:
            raise ValidationError(KEY_TYPE_UNSUITABLE)
    elif not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValidationError(KEY_TYPE_UNSUITABLE)
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is not None and not (usage.digital_signature or usage.content_commitment):
        raise ValidationError(KEY_USAGE_UNSUITABLE)
    now = datetime.datetime.now(datetime.UTC)
    if cert.not_valid_after_utc <= now:
        raise ValidationError(
            CERTIFICATE_EXPIRED.format(date=cert.not_valid_after_utc.strftime("%d/%m/%Y"))
        )
    if cert.not_valid_before_utc > now:
        raise ValidationError(
            CERTIFICATE_NOT_YET_VALID.format(date=cert.not_valid_before_utc.strftime("%d/%m/%Y"))
        )


def certificate_details(cert: x509.Certificate) -> CertificateDetails:
    return CertificateDetails(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        fingerprint_sha256=cert.fingerprint(hashes.SHA256()).hex(),
        is_self_signed=cert.issuer == cert.subject,
    )


@sensitive_variables("passphrase")
def _trial_signer(data: bytes, passphrase: bytes | None) -> None:
    """Build a signer (it makes a dry-run signature): what pyHanko refuses is refused here."""
    from testamur.organisation.pdf_signing import Signer

    try:
        Signer.from_pkcs12(data, passphrase or None)
    except Exception as exc:  # any refusal from pyHanko means the key cannot sign
        raise ValidationError(KEY_UNSUITABLE.format(reason=exc)) from exc


@sensitive_variables("passphrase", "key")
def signing_key_install(
    *, actor, pkcs12_data: bytes, passphrase: bytes | None, self_signed: bool = False
) -> SigningKey:
    """Check a PKCS#12 key and certificate and make it the key that signs issued credentials.

    Refused (ValidationError, nothing changed) when it cannot be opened, the certificate is
    not valid today, or the key cannot sign. The passphrase is kept encrypted, never shown.
    """
    key, cert, _chain = _open(pkcs12_data, passphrase)
    _check_suitable(key, cert)
    _trial_signer(pkcs12_data, passphrase)
    details = certificate_details(cert)
    with transaction.atomic():
        SigningKey.objects.filter(is_active=True).update(is_active=False)
        signing_key = SigningKey.objects.create(
            pkcs12=pkcs12_data,
            passphrase_encrypted=_fernet().encrypt(passphrase or b""),
            subject=details.subject[:200],
            issuer=details.issuer[:200],
            not_before=details.not_before,
            not_after=details.not_after,
            fingerprint_sha256=details.fingerprint_sha256,
            is_self_signed=details.is_self_signed or self_signed,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        event_record(
            actor=actor,
            subject_type="signing_key",
            subject_id=signing_key.pk,
            action="installed",
            data={
                "subject": signing_key.subject,
                "fingerprint_sha256": signing_key.fingerprint_sha256,
                "self_signed": signing_key.is_self_signed,
            },
        )
    return signing_key


def signing_key_generate_self_signed(*, actor=None) -> SigningKey:
    """A self-signed key for a new deployment or the demo; Settings says to replace it."""
    from testamur.organisation.pdf_signing import Signer

    organisation = Organisation.load()
    name = organisation.legal_name or organisation.display_name
    data, passphrase = Signer.generate_self_signed(f"{name} credential signing", name)
    return signing_key_install(
        actor=actor, pkcs12_data=data, passphrase=passphrase, self_signed=True
    )


def active_signing_key() -> SigningKey:
    key = SigningKey.objects.filter(is_active=True).first()
    if key:
        return key
    with transaction.atomic():
        # The organisation row is the lock: concurrent first issuers make one key, not several.
        Organisation.load()
        Organisation.objects.select_for_update().get(id=1)
        return (
            SigningKey.objects.filter(is_active=True).first() or signing_key_generate_self_signed()
        )


def signer_for_process():
    """The Signer for the active key, built once per process and key (signing stays cheap)."""
    from testamur.organisation.pdf_signing import Signer

    key = active_signing_key()
    identity = (key.pk, hashlib.sha256(bytes(key.pkcs12)).hexdigest())
    with _cache_lock:
        cached = _cache.get("signer")
        if cached and cached[0] == identity:
            return cached[1]
        try:
            passphrase = _fernet().decrypt(bytes(key.passphrase_encrypted))
        except InvalidToken as exc:
            raise ValidationError(SIGNING_KEY_LOCKED) from exc
        signer = Signer.from_pkcs12(bytes(key.pkcs12), passphrase or None)
        _cache["signer"] = (identity, signer)
        return signer


@sensitive_variables("passphrase")
def signing_keys_unlocked() -> list[tuple[bytes, bytes | None]]:
    """(PKCS#12 data, passphrase) of every stored key that can still be unlocked, the active
    one first: a document signed before its key was replaced is checked against that key."""
    keys = []
    for key in SigningKey.objects.order_by("-is_active", "-created_at"):
        try:
            passphrase = _fernet().decrypt(bytes(key.passphrase_encrypted))
        except InvalidToken:
            continue
        keys.append((bytes(key.pkcs12), passphrase or None))
    return keys
