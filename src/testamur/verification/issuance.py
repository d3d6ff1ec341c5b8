"""Securing a credential: a Data Integrity proof with the eddsa-rdfc-2022 cryptosuite.

W3C "Data Integrity EdDSA Cryptosuites v1.0", §3.3 (eddsa-rdfc-2022): the document and the
proof options (with the document's @context) are each canonicalised with RDFC-1.0 and hashed
with SHA-256; the Ed25519 signature covers proofConfigHash ‖ documentHash and is published
as a base58btc multibase `proofValue`.
"""

import copy
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from testamur.verification.contexts import (
    canonicalise,
    document_loader,
    strip_control_characters,
    terms_check,
)
from testamur.verification.multikey import base58_encode, multibase_decode

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
PROOF_PURPOSE = "assertionMethod"

NO_PROOF = "The document carries no proof."
WRONG_SUITE = "The proof is not a DataIntegrityProof with the eddsa-rdfc-2022 cryptosuite."
BAD_SIGNATURE = "The signature does not match the document: it was changed after signing."
UNKNOWN_KEY = "The proof names a verification method this issuer does not publish."
MALFORMED = "The proof value is not a valid Ed25519 signature."


def utc_timestamp(moment: datetime) -> str:
    """An XML Schema dateTime in UTC with a "Z", to the second, as VC validFrom expects."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _hash_data(document: dict, proof_options: dict, loader) -> bytes:
    config = {**proof_options, "@context": document["@context"]}
    config.pop("proofValue", None)
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    config_hash = hashlib.sha256(canonicalise(config, loader=loader).encode()).digest()
    document_hash = hashlib.sha256(canonicalise(unsecured, loader=loader).encode()).digest()
    return config_hash + document_hash


def proof_add(
    document: dict,
    *,
    private_key: Ed25519PrivateKey,
    verification_method: str,
    created: datetime,
    loader=document_loader,
) -> dict:
    """Return a signed copy of `document`. Refuses a document with undefined properties."""
    unsecured = strip_control_characters(copy.deepcopy(document))
    unsecured.pop("proof", None)
    terms_check(unsecured, loader=loader)
    proof = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": utc_timestamp(created),
        "verificationMethod": verification_method,
        "proofPurpose": PROOF_PURPOSE,
    }
    signature = private_key.sign(_hash_data(unsecured, proof, loader))
    return {**unsecured, "proof": {**proof, "proofValue": "z" + base58_encode(signature)}}


@dataclass(frozen=True)
class ProofCheck:
    valid: bool
    problem: str = ""
    verification_method: str = ""


def proof_verify(
    document: dict, *, public_keys: dict[str, Ed25519PublicKey], loader=document_loader
) -> ProofCheck:
    """Check the document's proof against the keys it may name (verification method id → key)."""
    proof = document.get("proof")
    if not isinstance(proof, dict):
        return ProofCheck(False, NO_PROOF)
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        return ProofCheck(False, WRONG_SUITE)
    method = proof.get("verificationMethod", "")
    public_key = public_keys.get(method)
    if public_key is None:
        return ProofCheck(False, UNKNOWN_KEY, method)
    try:
        signature = multibase_decode(proof.get("proofValue", ""))
    except ValueError:
        return ProofCheck(False, MALFORMED, method)
    try:
        public_key.verify(signature, _hash_data(document, proof, loader))
    except InvalidSignature:
        return ProofCheck(False, BAD_SIGNATURE, method)
    except Exception as exc:  # a document JSON-LD cannot process is not valid either
        return ProofCheck(False, f"{BAD_SIGNATURE} ({exc})", method)
    return ProofCheck(True, "", method)
