"""The organisation's machine credential from the ATO's credential store (keystore XML).

The store holds one or more credentials, each with a PKCS#7 certificate chain
(`publicCertificate`) and a password-encrypted PKCS#8 private key (`protectedPrivateKey`),
both base64. Every way this can go wrong ends in a `CredentialError` whose message tells the
person what to do; nothing here talks to the network.
"""

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import load_der_private_key, pkcs7
from lxml import etree

from testamur.learners.usi_registry.xmlns import parse

STORE_NS = "http://auth.abr.gov.au/credential/xsd/SBRCredentialStore"

KEYSTORE_MISSING = (
    "The machine credential file {path} cannot be read. Check USI_KEYSTORE_PATH and that the "
    "server may read the file."
)
KEYSTORE_NOT_XML = (
    "The machine credential file {path} is not a credential store (keystore XML) exported from "
    "the ATO's Relationship Authorisation Manager."
)
KEYSTORE_NO_CREDENTIAL = (
    "The machine credential file has no credential named {alias!r} (it has: {found}). Set "
    "USI_KEYSTORE_ALIAS to one of these."
)
KEYSTORE_EMPTY = "The machine credential file holds no credential."
KEYSTORE_LOCKED = (
    "The machine credential's password is wrong (USI_KEYSTORE_PASSWORD), so its private key "
    "cannot be opened."
)
KEYSTORE_DAMAGED = (
    "The machine credential {alias!r} is damaged: its {part} cannot be read. Export it again from "
    "the ATO's Relationship Authorisation Manager."
)
KEYSTORE_KEY_MISMATCH = (
    "The machine credential {alias!r} is damaged: its private key does not belong to its "
    "certificate. Export it again."
)
CREDENTIAL_EXPIRED = (
    "The machine credential expired on {date}. Renew it in the ATO's Relationship Authorisation "
    "Manager, then replace the file at USI_KEYSTORE_PATH."
)
CREDENTIAL_NOT_YET_VALID = (
    "The machine credential is valid only from {date}: wait, or check this server's clock."
)


class CredentialError(Exception):
    """The machine credential cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class MachineCredential:
    alias: str
    abn: str
    legal_name: str
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    private_key: RSAPrivateKey

    @property
    def not_after(self) -> datetime:
        return self.certificate.not_valid_after_utc

    @property
    def not_before(self) -> datetime:
        return self.certificate.not_valid_before_utc


def _children(element, name: str) -> str:
    found = element.find(f"{{{STORE_NS}}}{name}")
    return (found.text or "").strip() if found is not None else ""


def _leaf(chain: list[x509.Certificate]) -> x509.Certificate:
    """The end-entity certificate: the one that issued no other certificate in the chain."""
    issuers = {cert.issuer for cert in chain}
    leaves = [cert for cert in chain if cert.subject not in issuers or len(chain) == 1]
    return leaves[0] if leaves else chain[0]


def keystore_read(path: str | Path, *, alias: str, password: str) -> MachineCredential:
    """Open one credential of the store; check it can sign. Raises CredentialError."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CredentialError(KEYSTORE_MISSING.format(path=path)) from exc
    try:
        root = parse(data)
    except etree.XMLSyntaxError as exc:
        raise CredentialError(KEYSTORE_NOT_XML.format(path=path)) from exc
    if root.tag != f"{{{STORE_NS}}}credentialStore":
        raise CredentialError(KEYSTORE_NOT_XML.format(path=path))
    credentials = root.findall(f".//{{{STORE_NS}}}credential")
    if not credentials:
        raise CredentialError(KEYSTORE_EMPTY)
    chosen = [c for c in credentials if c.get("id") == alias] if alias else credentials[:1]
    if not chosen:
        found = ", ".join(repr(c.get("id")) for c in credentials)
        raise CredentialError(KEYSTORE_NO_CREDENTIAL.format(alias=alias, found=found))
    element = chosen[0]
    alias = element.get("id", "")
    try:
        chain = pkcs7.load_der_pkcs7_certificates(
            base64.b64decode(_children(element, "publicCertificate"), validate=False)
        )
    except (ValueError, binascii.Error) as exc:
        raise CredentialError(KEYSTORE_DAMAGED.format(alias=alias, part="certificate")) from exc
    if not chain:
        raise CredentialError(KEYSTORE_DAMAGED.format(alias=alias, part="certificate"))
    try:
        key_der = base64.b64decode(_children(element, "protectedPrivateKey"), validate=False)
    except binascii.Error as exc:
        raise CredentialError(KEYSTORE_DAMAGED.format(alias=alias, part="private key")) from exc
    try:
        key = load_der_private_key(key_der, password.encode("utf-8"))
    except TypeError as exc:  # the key is not encrypted at all, or no password was given
        raise CredentialError(KEYSTORE_LOCKED) from exc
    except ValueError as exc:
        if "password" in str(exc).lower() or "decrypt" in str(exc).lower():
            raise CredentialError(KEYSTORE_LOCKED) from exc
        raise CredentialError(KEYSTORE_DAMAGED.format(alias=alias, part="private key")) from exc
    if not isinstance(key, RSAPrivateKey):
        raise CredentialError(KEYSTORE_DAMAGED.format(alias=alias, part="private key"))
    certificate = _leaf(list(chain))
    if certificate.public_key().public_numbers() != key.public_key().public_numbers():
        raise CredentialError(KEYSTORE_KEY_MISMATCH.format(alias=alias))
    return MachineCredential(
        alias=alias,
        abn=_children(element, "abn"),
        legal_name=_children(element, "legalName"),
        certificate=certificate,
        chain=tuple(chain),
        private_key=key,
    )


def credential_check_dates(credential: MachineCredential, *, now: datetime) -> None:
    """Refuse a credential outside its validity before anything is sent with it."""
    if now >= credential.not_after:
        shown = credential.not_after.astimezone(UTC).strftime("%d/%m/%Y")
        raise CredentialError(CREDENTIAL_EXPIRED.format(date=shown))
    if now < credential.not_before:
        shown = credential.not_before.astimezone(UTC).strftime("%d/%m/%Y %H:%M UTC")
        raise CredentialError(CREDENTIAL_NOT_YET_VALID.format(date=shown))
