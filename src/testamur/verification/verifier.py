"""Testamur's own verifier for the credentials it signs: proof, then revocation status.

It trusts only this deployment's published keys and status lists (read from the database),
so it needs no network; it is what `manage.py verify_vc` runs.
"""

from dataclasses import dataclass, field

from testamur.verification import composition, dids, storage
from testamur.verification.issuance import proof_verify
from testamur.verification.models import StatusPurpose, VcSigningKey
from testamur.verification.multikey import public_key_from_multibase

REVOKED = "The issuer has revoked this credential (its status list bit is set)."
STATUS_UNKNOWN = "The credential's status list is not one this issuer publishes."
NOT_AN_OBJECT = "This is not a JSON credential."


@dataclass
class VcCheck:
    valid: bool = False
    revoked: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        if self.valid:
            return "Valid: the signature matches and the credential is not revoked."
        return "Invalid: " + " ".join(self.problems)


def published_keys() -> dict:
    """Every verification method id this deployment has signed under, with its key: the issuer
    URL document's, the did:web document's and each key's did:key."""
    keys = {}
    for key in VcSigningKey.objects.values_list("public_key_multibase", flat=True):
        public_key = public_key_from_multibase(key)
        for issuer in (composition.issuer_url(), dids.did_web(), dids.did_key(key)):
            keys[dids.verification_method_id(issuer, key)] = public_key
    return keys


def _revoked(status: dict) -> bool | None:
    """The bit for this entry in our own status list; None if the list is not ours."""
    for purpose in StatusPurpose.values:
        prefix = composition.status_list_base(purpose)
        url = status.get("statusListCredential", "")
        number = url.removeprefix(prefix)
        if url.startswith(prefix) and number.isdigit():
            document = storage.status_list_document(purpose, int(number))
            if document is None:
                return None
            proof = proof_verify(document, public_keys=published_keys())
            if not proof.valid:
                return None
            bits = composition.bitstring_decode(document["credentialSubject"]["encodedList"])
            return composition.bit_is_set(bits, int(status.get("statusListIndex", "-1")))
    return None


def vc_verify(document) -> VcCheck:
    if not isinstance(document, dict):
        return VcCheck(problems=[NOT_AN_OBJECT])
    proof = proof_verify(document, public_keys=published_keys())
    if not proof.valid:
        return VcCheck(problems=[proof.problem])
    status = document.get("credentialStatus")
    if isinstance(status, dict):
        try:
            revoked = _revoked(status)
        except (ValueError, KeyError, TypeError, IndexError):
            revoked = None
        if revoked is None:
            return VcCheck(problems=[STATUS_UNKNOWN])
        if revoked:
            return VcCheck(revoked=True, problems=[REVOKED])
    return VcCheck(valid=True)
