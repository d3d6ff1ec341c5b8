"""The issuer's identity as a DID (decision 0021): did:web by default, did:key, or the issuer URL.

No database and no keys here: callers pass the public keys (Multikey, "z6Mk…"), newest first.
`settings.VC_ISSUER` picks what new credentials name as their issuer; credentials signed under
another choice stay verifiable, because every form keeps being served (the issuer URL document
at /vc/issuer, the did:web document at /.well-known/did.json) and did:key resolves from itself.
"""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlsplit

from django.conf import settings

from testamur.verification.contexts import DID_V1, MULTIKEY_V1
from testamur.verification.issuance import utc_timestamp
from testamur.verification.multikey import public_key_from_multibase

DID_WEB = "did:web"
DID_KEY = "did:key"
ISSUER_URL = "url"
ISSUER_KINDS = (DID_WEB, DID_KEY, ISSUER_URL)
DID_CONTEXT = [DID_V1, MULTIKEY_V1]
XSD_DATE_TIME = "http://www.w3.org/2001/XMLSchema#dateTime"
# When each key was the signing key. The Multikey context's own `expires` and `revoked` would
# make verifiers refuse everything an old key signed (decision 0021), so the period is said with
# schema.org's validFrom/validUntil, defined inline (nothing to fetch). Neither DID v1 nor
# Multikey v1 defines these terms, so their @protected definitions stay untouched.
KEY_PERIOD_CONTEXT = {
    "validFrom": {"@id": "https://schema.org/validFrom", "@type": XSD_DATE_TIME},
    "validUntil": {"@id": "https://schema.org/validUntil", "@type": XSD_DATE_TIME},
}
DID_WEB_CONTEXT = [DID_V1, MULTIKEY_V1, KEY_PERIOD_CONTEXT]
UNKNOWN_ISSUER_KIND = "VC_ISSUER must be one of did:web, did:key or url (it is {value!r})."


def issuer_kind() -> str:
    kind = getattr(settings, "VC_ISSUER", DID_WEB) or DID_WEB
    if kind not in ISSUER_KINDS:
        raise ValueError(UNKNOWN_ISSUER_KIND.format(value=kind))
    return kind


def issuer_url() -> str:
    """The issuer URL document: what credentials named before DIDs (kept for them)."""
    return f"{settings.PUBLIC_BASE_URL}/vc/issuer"


def did_web() -> str:
    """did:web of PUBLIC_BASE_URL: the host (a port's colon percent-encoded), then the path's
    segments joined by colons (DID Web method §3.1)."""
    parts = urlsplit(settings.PUBLIC_BASE_URL)
    did = f"did:web:{quote(parts.netloc, safe='')}"
    segments = [quote(s, safe="") for s in parts.path.split("/") if s]
    return ":".join([did, *segments])


def did_web_document_path() -> str:
    """Where the did:web document is served, under the site's root."""
    path = urlsplit(settings.PUBLIC_BASE_URL).path.strip("/")
    return f"/{path}/did.json" if path else "/.well-known/did.json"


def did_key(public_key_multibase: str) -> str:
    return f"{DID_KEY}:{public_key_multibase}"


def issuer_id(active_key: str) -> str:
    """The issuer id new credentials carry (active_key: the active signing key's Multikey)."""
    kind = issuer_kind()
    if kind == DID_WEB:
        return did_web()
    if kind == DID_KEY:
        return did_key(active_key)
    return issuer_url()


def verification_method_id(issuer: str, public_key_multibase: str) -> str:
    return f"{issuer}#{public_key_multibase}"


def _method(controller: str, key: str) -> dict:
    return {
        "id": verification_method_id(controller, key),
        "type": "Multikey",
        "controller": controller,
        "publicKeyMultibase": key,
    }


@dataclass(frozen=True)
class KeyPeriod:
    """A signing key and when it was the signing key (until None: it still is)."""

    public_key_multibase: str
    valid_from: datetime
    valid_until: datetime | None = None

    def dated(self, method: dict) -> dict:
        dated = {**method, "validFrom": utc_timestamp(self.valid_from)}
        if self.valid_until is not None:
            dated["validUntil"] = utc_timestamp(self.valid_until)
        return dated


def did_web_document(keys: list[KeyPeriod]) -> dict:
    """The DID document: every key this issuer has signed with, the active one first, so a
    credential signed before a key rotation still finds its key; each dated with the period it
    was the signing key (validFrom, and validUntil once retired)."""
    did = did_web()
    methods = [key.dated(_method(did, key.public_key_multibase)) for key in keys]
    return {
        "@context": DID_WEB_CONTEXT,
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }


def did_key_document(did: str) -> dict | None:
    """A did:key's document, made from the DID itself (nothing fetched); None if malformed."""
    key = did.removeprefix(f"{DID_KEY}:").split("#", 1)[0]
    if not did.startswith(f"{DID_KEY}:"):
        return None
    try:
        public_key_from_multibase(key)
    except ValueError:
        return None
    method = _method(did_key(key), key)
    return {
        "@context": DID_CONTEXT,
        "id": did_key(key),
        "verificationMethod": [method],
        "assertionMethod": [method["id"]],
    }


def our_issuer_ids(public_keys: list[str]) -> set[str]:
    """Every id this deployment has been or may be known by."""
    return {issuer_url(), did_web(), *(did_key(key) for key in public_keys)}
