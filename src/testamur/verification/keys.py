"""The Ed25519 key that signs verifiable credentials: made on first use, stored encrypted."""

import base64
import hashlib
import threading

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.views.decorators.debug import sensitive_variables

from testamur.core.events import event_record
from testamur.verification import dids
from testamur.verification.models import VcSigningKey
from testamur.verification.multikey import public_key_multibase

VC_KEY_LOCKED = (
    "The key that signs digital credentials can no longer be unlocked (the server's SECRET_KEY "
    "changed). Restore the previous SECRET_KEY."
)
_cache_lock = threading.Lock()
_cache: dict = {}


def _fernet() -> Fernet:
    digest = hashlib.sha256(("testamur-vc-signing-key:" + settings.SECRET_KEY).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


@sensitive_variables("private_key", "raw")
def vc_signing_key_generate() -> VcSigningKey:
    """A new Ed25519 key, made active. Runs once per deployment, on the first credential."""
    private_key = Ed25519PrivateKey.generate()
    raw = private_key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    key = VcSigningKey(
        private_key_encrypted=_fernet().encrypt(raw),
        public_key_multibase=public_key_multibase(private_key.public_key()),
    )
    key.full_clean(exclude=["private_key_encrypted"])
    with transaction.atomic():
        key.save()
        event_record(
            actor=None,
            subject_type="vc_signing_key",
            subject_id=key.pk,
            action="generated",
            data={"public_key_multibase": key.public_key_multibase},
        )
    return key


def vc_signing_key_rotate(*, actor) -> VcSigningKey:
    """Retire the active key and make a new one. The old key stays published (issuer document
    and DID document) so that what it signed stays verifiable; it signs nothing more."""
    with transaction.atomic():
        old = list(VcSigningKey.objects.select_for_update().filter(is_active=True))
        VcSigningKey.objects.filter(pk__in=[k.pk for k in old]).update(is_active=False)
        key = vc_signing_key_generate()
        event_record(
            actor=actor,
            subject_type="vc_signing_key",
            subject_id=key.pk,
            action="rotated",
            data={"retired": [k.public_key_multibase for k in old]},
        )
    return key


def signing_identity(key: VcSigningKey) -> tuple[str, str]:
    """(issuer id, verification method id) new documents are signed under, per VC_ISSUER."""
    issuer = dids.issuer_id(key.public_key_multibase)
    return issuer, dids.verification_method_id(issuer, key.public_key_multibase)


def key_periods() -> list[dids.KeyPeriod]:
    """When each key was the signing key, the active one first: from its creation to the
    creation of the key that replaced it (rotation makes the new key as it retires the old)."""
    keys = list(VcSigningKey.objects.order_by("created_at", "pk"))
    periods = []
    for index, key in enumerate(keys):
        successor = keys[index + 1] if index + 1 < len(keys) else None
        until = None if key.is_active or successor is None else successor.created_at
        periods.append(dids.KeyPeriod(key.public_key_multibase, key.created_at, until))
    periods.sort(
        key=lambda period: (period.valid_until is not None, -period.valid_from.timestamp())
    )
    return periods


def active_vc_signing_key() -> VcSigningKey:
    key = VcSigningKey.objects.filter(is_active=True).first()
    if key:
        return key
    try:
        return vc_signing_key_generate()
    except IntegrityError:
        # Another process made the first key at the same moment: use that one.
        return VcSigningKey.objects.get(is_active=True)


@sensitive_variables("raw")
def private_key_of(key: VcSigningKey) -> Ed25519PrivateKey:
    """The decrypted private key, cached per process and public key."""
    with _cache_lock:
        cached = _cache.get(key.public_key_multibase)
        if cached:
            return cached
    try:
        raw = _fernet().decrypt(bytes(key.private_key_encrypted))
    except InvalidToken as exc:
        raise ValidationError(VC_KEY_LOCKED) from exc
    private_key = Ed25519PrivateKey.from_private_bytes(raw)
    with _cache_lock:
        _cache[key.public_key_multibase] = private_key
    return private_key
