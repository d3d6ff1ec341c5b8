"""The RTO's signing key: stored, activated, and loaded once per process for signing."""

import base64
import hashlib
import threading

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.serialization import pkcs12
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from testamur.core.events import event_record
from testamur.organisation.models import Organisation, SigningKey

PKCS12_UNREADABLE = (
    "This file could not be opened as a PKCS#12 (.p12/.pfx) key and certificate with that "
    "passphrase."
)
SIGNING_KEY_LOCKED = (
    "The stored signing key can no longer be unlocked (the server's SECRET_KEY changed). "
    "Upload the PKCS#12 file again in Settings."
)

_cache_lock = threading.Lock()
_cache: dict = {}


def _fernet() -> Fernet:
    digest = hashlib.sha256(("testamur-signing-key:" + settings.SECRET_KEY).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _describe(data: bytes, passphrase: bytes | None) -> tuple[str, object, bool]:
    try:
        key, cert, _chain = pkcs12.load_key_and_certificates(data, passphrase)
    except (ValueError, TypeError) as exc:
        raise ValidationError(PKCS12_UNREADABLE) from exc
    if key is None or cert is None:
        raise ValidationError(PKCS12_UNREADABLE)
    subject = cert.subject.rfc4514_string()
    return subject, cert.not_valid_after_utc, cert.issuer == cert.subject


@transaction.atomic
def signing_key_install(
    *, actor, pkcs12_data: bytes, passphrase: bytes | None, self_signed: bool = False
) -> SigningKey:
    subject, not_after, is_self_signed = _describe(pkcs12_data, passphrase)
    SigningKey.objects.filter(is_active=True).update(is_active=False)
    key = SigningKey.objects.create(
        pkcs12=pkcs12_data,
        passphrase_encrypted=_fernet().encrypt(passphrase or b""),
        subject=subject,
        not_after=not_after,
        is_self_signed=is_self_signed or self_signed,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    event_record(
        actor=actor,
        subject_type="signing_key",
        subject_id=key.pk,
        action="installed",
        data={"subject": subject, "self_signed": key.is_self_signed},
    )
    return key


def signing_key_generate_self_signed(*, actor=None) -> SigningKey:
    """A self-signed key for a new deployment or the demo; Settings says to replace it."""
    from testamur.credentials.rendering.signing import Signer

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
    from testamur.credentials.rendering.signing import Signer

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
