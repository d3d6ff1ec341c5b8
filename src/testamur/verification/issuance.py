"""Securing a credential: a Data Integrity proof with the eddsa-rdfc-2022 cryptosuite.

W3C "Data Integrity EdDSA Cryptosuites v1.0", §3.3 (eddsa-rdfc-2022): the document and the
proof options (with the document's @context) are each canonicalised with RDFC-1.0 and hashed
with SHA-256; the Ed25519 signature covers proofConfigHash ‖ documentHash and is published
as a base58btc multibase `proofValue`.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

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
NO_PURPOSE = "The proof states no proofPurpose; a credential's proof must be for assertionMethod."
WRONG_PURPOSE = (
    "The proof's purpose is {purpose!r}, not assertionMethod: it does not assert this credential."
)
CHAIN_BROKEN = "The proof names a previous proof (previousProof) that the document does not hold."


def utc_timestamp(moment: datetime) -> str:
    """An XML Schema dateTime in UTC with a "Z", to the second, as VC validFrom expects."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _sha256_canonical(document, loader, expanded: bool = False) -> bytes:
    canonical = canonicalise(document, loader=loader, expanded=expanded)
    return hashlib.sha256(canonical.encode()).digest()


@lru_cache(maxsize=64)
def _bundled_config_hash(config_json: str) -> bytes:
    """proofConfigHash under the bundled contexts, by the options' exact JSON: a batch signs
    with the same options (created is to the second), so this is computed once per batch."""
    return _sha256_canonical(json.loads(config_json), document_loader)


def _hash_data(
    unsecured: dict,
    proof_options: dict,
    loader,
    previous: list | None = None,
    expanded: list | None = None,
) -> bytes:
    """proofConfigHash ‖ documentHash. For a proof in a chain, `previous` holds the proofs its
    previousProof names: they are part of what it signs (Data Integrity §4.2, §4.3).
    `expanded`, the unsecured document already expanded (terms_check), spares expanding it
    again; it gives the same canonical N-Quads."""
    config = {**proof_options, "@context": unsecured["@context"]}
    config.pop("proofValue", None)
    document = {k: v for k, v in unsecured.items() if k != "proof"}
    if previous:
        document["proof"] = previous
    if loader is document_loader:
        config_hash = _bundled_config_hash(json.dumps(config, ensure_ascii=False))
    else:
        config_hash = _sha256_canonical(config, loader)
    if expanded is not None and not previous:
        return config_hash + _sha256_canonical(expanded, loader, expanded=True)
    return config_hash + _sha256_canonical(document, loader)


def proofs_of(document: dict) -> list:
    """The document's proofs as a list: a single proof object and a proof set alike."""
    proof = document.get("proof")
    if proof is None:
        return []
    return proof if isinstance(proof, list) else [proof]


def _previous_ids(proof: dict) -> list:
    previous = proof.get("previousProof")
    if previous is None:
        return []
    return previous if isinstance(previous, list) else [previous]


def proof_add(
    document: dict,
    *,
    private_key: Ed25519PrivateKey,
    verification_method: str,
    created: datetime,
    loader=document_loader,
    as_set: bool = False,
    proof_id: str | None = None,
    previous_proof: str | list[str] | None = None,
) -> dict:
    """Return a signed copy of `document`. Refuses a document with undefined properties.

    By default any proof the document had is replaced and the proof is one object (the W3C
    test vectors' form). `as_set=True` publishes `proof` as an array (what the OB 3.0 JSON
    Schema requires) and keeps the document's existing proofs: a proof set, or a chain when
    `previous_proof` names the ids of the proofs this one endorses.
    """
    unsecured = strip_control_characters(document)  # a copy: every dict and list is new
    existing = proofs_of(unsecured) if as_set else []
    unsecured.pop("proof", None)
    expanded = terms_check(unsecured, loader=loader)
    proof = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": utc_timestamp(created),
        "verificationMethod": verification_method,
        "proofPurpose": PROOF_PURPOSE,
    }
    if proof_id:
        proof = {"id": proof_id, **proof}
    if previous_proof:
        proof["previousProof"] = previous_proof
    ids = set(_previous_ids(proof))
    previous = [p for p in existing if isinstance(p, dict) and p.get("id") in ids]
    signature = private_key.sign(_hash_data(unsecured, proof, loader, previous, expanded))
    signed = {**proof, "proofValue": "z" + base58_encode(signature)}
    if as_set:
        return {**unsecured, "proof": [*existing, signed]}
    return {**unsecured, "proof": signed}


@dataclass(frozen=True)
class ProofCheck:
    valid: bool
    problem: str = ""
    verification_method: str = ""


def _one_proof_verify(
    document: dict, proof, proofs: list, public_keys: dict[str, Ed25519PublicKey], loader
) -> ProofCheck:
    if not isinstance(proof, dict):
        return ProofCheck(False, NO_PROOF)
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        return ProofCheck(False, WRONG_SUITE)
    method = proof.get("verificationMethod", "")
    if "proofPurpose" not in proof:
        return ProofCheck(False, NO_PURPOSE, method)
    if proof["proofPurpose"] != PROOF_PURPOSE:
        return ProofCheck(False, WRONG_PURPOSE.format(purpose=proof["proofPurpose"]), method)
    public_key = public_keys.get(method) if isinstance(method, str) else None
    if public_key is None:
        return ProofCheck(False, UNKNOWN_KEY, method)
    wanted = _previous_ids(proof)
    previous = [p for p in proofs if isinstance(p, dict) and p.get("id") in wanted]
    if len(previous) != len(set(wanted)):
        return ProofCheck(False, CHAIN_BROKEN, method)
    try:
        signature = multibase_decode(proof.get("proofValue", ""))
    except (ValueError, AttributeError):
        return ProofCheck(False, MALFORMED, method)
    try:
        public_key.verify(signature, _hash_data(document, proof, loader, previous))
    except InvalidSignature:
        return ProofCheck(False, BAD_SIGNATURE, method)
    except Exception as exc:  # a document JSON-LD cannot process is not valid either
        return ProofCheck(False, f"{BAD_SIGNATURE} ({exc})", method)
    return ProofCheck(True, "", method)


def proof_verify(
    document: dict, *, public_keys: dict[str, Ed25519PublicKey], loader=document_loader
) -> ProofCheck:
    """Check every proof of the document (a proof set, with any chains in it) against the
    keys it may name (verification method id → key). Valid only if each one verifies."""
    proofs = proofs_of(document)
    if not proofs:
        return ProofCheck(False, NO_PROOF)
    checks = [_one_proof_verify(document, p, proofs, public_keys, loader) for p in proofs]
    for check in checks:
        if not check.valid:
            return check
    return checks[0]
