"""The public verifier (decision 0021): any bytes in, a clear result out, nothing fetched.

`credential_check` checks a credential as the W3C Data Integrity and EdDSA cryptosuite
specifications ask of a verifier: a VC Data Model 2.0 or 1.1 credential, only bundled contexts
(any other is refused, never fetched), no undefined terms (data loss), a credentialSubject,
every proof of a proof set verified (chains through previousProof included), each for
assertionMethod, one of them by the issuer; then the dates and the revocation status.
`upload_check` takes what a visitor drops or pastes: JSON, one of our PDFs, or an image.
"""

import hashlib
import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from testamur.credentials.models import CredentialIssuance, CredentialStatus
from testamur.verification import dids
from testamur.verification.baking import unbake
from testamur.verification.contexts import (
    BUNDLED,
    CONTEXT_REFUSED,
    VC_V1,
    VC_V2,
    ContextRefused,
    UndefinedTerm,
    terms_check,
)
from testamur.verification.issuance import proof_verify, proofs_of, utc_timestamp
from testamur.verification.keys import key_periods
from testamur.verification.multikey import public_key_from_multibase
from testamur.verification.verifier import _revoked, published_keys

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_JSON_BYTES = 256 * 1024

TOO_LARGE = "The file is larger than {limit}: it was not read. A credential is a few kilobytes."
MALFORMED_JSON = "This is not valid JSON ({reason}), so it cannot be a credential."
NOT_AN_OBJECT = "This JSON is not a credential: a credential is a JSON object."
NOT_A_VC = (
    "This is not a Verifiable Credential: its first @context must be the VC Data Model 2.0 "
    "(https://www.w3.org/ns/credentials/v2) or 1.1 (https://www.w3.org/2018/credentials/v1) one."
)
NOT_VC_TYPE = "The credential's type does not include VerifiableCredential."
NO_SUBJECT = "The credential has no credentialSubject: it says nothing about anyone."
NO_ISSUER = "The credential names no issuer."
NO_ISSUANCE_DATE = "A VC Data Model 1.1 credential must have an issuanceDate."
DATA_LOSS = "Data loss: {detail}"
NOT_BY_ISSUER = "No proof is made with a key of the issuer the credential names."
KEY_RETIRED = (
    "The proof is dated {created}, but its key stopped signing for this issuer on {until} "
    "(it was replaced): a retired key signs nothing more, so this proof is refused."
)
NOT_YET_VALID = "The credential is not valid before {date}."
EXPIRED = "The credential expired on {date}."
UNKNOWN_ISSUER = (
    "The signature is valid, but the issuer ({issuer}) is not this RTO: Testamur can say "
    "nothing about who that is or about the credential's status."
)
IMAGE_WITHOUT_CREDENTIAL = "This image carries no Open Badges credential."
PDF_NOT_SIGNED = "This PDF carries no signature: it is not a document issued by this RTO."
PDF_NOT_OURS = "This PDF is not one this RTO issued: no issued document has exactly these contents."
PDF_CHANGED = (
    "This PDF has a signature, but the file is not the one issued: it was changed after "
    "signing, or signed by someone else."
)
PDF_UNREADABLE = "This file could not be read as a PDF."
UNKNOWN_FORMAT = "This is neither a credential JSON, a PDF from this RTO, nor a badge image."

STATUS_UNREADABLE = (
    "The credential's status list could not be read: whether it was revoked is unknown."
)
STATUS_VALID = "valid"
STATUS_REVOKED = "revoked"
STATUS_UNKNOWN = "status unknown"


@dataclass
class CheckResult:
    """What the verifier found. `verified`: the proofs hold and nothing makes it invalid."""

    verified: bool = False
    kind: str = "credential"
    checks: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    status: str = ""
    issuer_id: str = ""
    issuer_name: str = ""
    known_issuer: bool = False
    valid_from: str = ""
    valid_until: str = ""
    awarded: str = ""
    achievement: str = ""
    achievement_description: str = ""
    credential_number: str = ""
    file_is_issued: bool | None = None
    signature_intact: bool | None = None

    def refuse(self, message: str) -> "CheckResult":
        self.verified = False
        self.errors.append(message)
        return self

    def vc_api(self) -> dict:
        """The W3C VC-API verify response (checks, warnings, errors)."""
        return {
            "verified": self.verified,
            "checks": self.checks,
            "warnings": self.warnings,
            "errors": self.errors,
            "status": self.status,
            "issuer": {"id": self.issuer_id, "name": self.issuer_name, "known": self.known_issuer},
        }


def _contexts(document: dict) -> list:
    context = document.get("@context")
    return context if isinstance(context, list) else [context]


def _context_refused(document: dict) -> str | None:
    for context in _contexts(document):
        if isinstance(context, str) and context not in BUNDLED:
            return CONTEXT_REFUSED.format(url=context)
        if not isinstance(context, str | dict):
            return NOT_A_VC
    return None


def _issuer(document: dict) -> tuple[str, str]:
    issuer = document.get("issuer")
    if isinstance(issuer, dict):
        return str(issuer.get("id", "")), str(issuer.get("name", ""))
    return (issuer, "") if isinstance(issuer, str) else ("", "")


def _keys(document: dict) -> tuple[dict, set]:
    """The keys the proofs may name: ours (every form), and any did:key (self-resolving)."""
    ours = published_keys()
    keys = dict(ours)
    for proof in proofs_of(document):
        method = proof.get("verificationMethod") if isinstance(proof, dict) else None
        if isinstance(method, str) and method.startswith("did:key:") and method not in keys:
            did_document = dids.did_key_document(method.split("#", 1)[0])
            if did_document and method in did_document["assertionMethod"]:
                key = did_document["verificationMethod"][0]["publicKeyMultibase"]
                keys[method] = public_key_from_multibase(key)
    return keys, set(ours)


def _moment(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _second(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def _key_period_problem(document: dict, ours: set) -> str | None:
    """A proof by one of our keys must not be dated after that key was retired (the DID
    document's validUntil), to the second as proofs are dated: this catches anything still
    signing with a retired key (though not a holder of it who backdates `created`).

    The start (validFrom) is published but not enforced: a date before the key existed shows
    nothing wrong with the credential, while the clocks of several processes differ a little
    and would refuse genuine ones."""
    periods = {period.public_key_multibase: period for period in key_periods()}
    for proof in proofs_of(document):
        method = proof.get("verificationMethod") if isinstance(proof, dict) else None
        created = _moment(proof.get("created")) if method in ours else None
        period = periods.get(str(method).rsplit("#", 1)[-1]) if created else None
        if period is None:
            continue
        if period.valid_until is not None and created > _second(period.valid_until):
            until = utc_timestamp(period.valid_until)
            return KEY_RETIRED.format(created=proof["created"], until=until)
    return None


def _describe(result: CheckResult, document: dict) -> None:
    v2 = _contexts(document)[0] == VC_V2
    result.valid_from = str(document.get("validFrom" if v2 else "issuanceDate", "") or "")
    result.valid_until = str(document.get("validUntil" if v2 else "expirationDate", "") or "")
    result.awarded = str(document.get("awardedDate", "") or "")
    subject = document.get("credentialSubject")
    subject = subject[0] if isinstance(subject, list) and subject else subject
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    if isinstance(achievement, dict):
        result.achievement = str(achievement.get("name", ""))
        result.achievement_description = str(achievement.get("description", ""))
    elif document.get("name"):
        result.achievement = str(document["name"])


def _dates(result: CheckResult) -> None:
    now = datetime.now(UTC)
    start, end = _moment(result.valid_from), _moment(result.valid_until)
    if start and start > now:
        result.refuse(NOT_YET_VALID.format(date=result.valid_from))
    if end and end < now:
        result.refuse(EXPIRED.format(date=result.valid_until))


def _status(result: CheckResult, document: dict) -> None:
    statuses = document.get("credentialStatus")
    statuses = statuses if isinstance(statuses, list) else [statuses] if statuses else []
    if not statuses:
        result.status = STATUS_VALID if result.verified else ""
        return
    revoked = None
    for status in statuses:
        try:
            revoked = _revoked(status) if isinstance(status, dict) else None
        except (ValueError, KeyError, TypeError, IndexError, OSError):
            revoked = None
        if revoked is None or revoked:
            break
    if revoked is None:
        result.status = STATUS_UNKNOWN
        result.warnings.append(STATUS_UNREADABLE)
    elif revoked:
        result.status = STATUS_REVOKED
        result.refuse("The issuer has revoked this credential.")
    else:
        result.status = STATUS_VALID
        result.checks.append("status")


def credential_check(document) -> CheckResult:
    result = CheckResult()
    if not isinstance(document, dict):
        return result.refuse(NOT_AN_OBJECT)
    contexts = _contexts(document)
    if contexts[0] not in (VC_V2, VC_V1):
        return result.refuse(NOT_A_VC)
    refused = _context_refused(document)
    if refused:
        return result.refuse(refused)
    types = document.get("type")
    if "VerifiableCredential" not in (types if isinstance(types, list) else [types]):
        return result.refuse(NOT_VC_TYPE)
    if not document.get("credentialSubject"):
        return result.refuse(NO_SUBJECT)
    result.issuer_id, result.issuer_name = _issuer(document)
    if not result.issuer_id:
        return result.refuse(NO_ISSUER)
    if contexts[0] == VC_V1 and not document.get("issuanceDate"):
        return result.refuse(NO_ISSUANCE_DATE)
    _describe(result, document)
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    try:
        terms_check(unsecured)
        for proof in proofs_of(document):
            if isinstance(proof, dict):
                terms_check({"@context": document["@context"], **proof})
    except UndefinedTerm as exc:
        return result.refuse(DATA_LOSS.format(detail=exc))
    except ContextRefused as exc:
        return result.refuse(str(exc))
    except Exception as exc:  # JSON-LD that cannot be processed is not a credential
        return result.refuse(f"{NOT_A_VC} ({exc.__class__.__name__})")
    keys, ours = _keys(document)
    proof = proof_verify(document, public_keys=keys)
    if not proof.valid:
        return result.refuse(proof.problem)
    methods = [p.get("verificationMethod", "") for p in proofs_of(document)]
    if not any(str(m).split("#", 1)[0] == result.issuer_id for m in methods):
        return result.refuse(NOT_BY_ISSUER)
    period_problem = _key_period_problem(document, ours)
    if period_problem:
        return result.refuse(period_problem)
    result.checks.append("proof")
    result.known_issuer = any(m in ours for m in methods)
    result.verified = True
    _dates(result)
    if not result.known_issuer:
        result.status = STATUS_UNKNOWN
        result.warnings.append(UNKNOWN_ISSUER.format(issuer=result.issuer_id))
        return result
    _status(result, document)
    return result


def json_check(data: bytes) -> CheckResult:
    if len(data) > MAX_JSON_BYTES:
        return CheckResult().refuse(TOO_LARGE.format(limit=f"{MAX_JSON_BYTES // 1024} KB"))
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        reason = exc.__class__.__name__ if isinstance(exc, RecursionError) else str(exc)
        return CheckResult().refuse(MALFORMED_JSON.format(reason=reason))
    try:
        return credential_check(document)
    except RecursionError:
        return CheckResult().refuse(NOT_AN_OBJECT)


def _credential_in_image(data: bytes) -> dict | None:
    """The Open Badges credential baked into a PNG or SVG badge, or None."""
    return unbake(data)


def _pdf_signature(data: bytes) -> tuple[bool, bool]:
    """(has a signature, a signature of this RTO's keys holds over the whole file)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    from testamur.organisation.pdf_signing import Signer
    from testamur.organisation.signing_keys import signing_keys_unlocked

    reader = PdfFileReader(io.BytesIO(data), strict=False)
    if not reader.embedded_signatures:
        return False, False
    for pkcs12, passphrase in signing_keys_unlocked():
        if Signer.from_pkcs12(pkcs12, passphrase).validate(data).valid:
            return True, True
    return True, False


def pdf_check(data: bytes) -> CheckResult:
    result = CheckResult(kind="pdf")
    try:
        signed, intact = _pdf_signature(data)
    except Exception:  # a damaged or hostile file is an answer, not a crash
        return result.refuse(PDF_UNREADABLE)
    result.signature_intact = intact if signed else None
    digest = hashlib.sha256(data).hexdigest()
    record = (
        CredentialIssuance.objects.select_related("credential")
        .filter(document_sha256=digest)
        .first()
    )
    result.file_is_issued = record is not None
    if not signed:
        return result.refuse(PDF_NOT_SIGNED)
    if not intact:
        return result.refuse(PDF_CHANGED)
    if record is None:
        return result.refuse(PDF_NOT_OURS)
    credential = record.credential
    organisation = record.organisation or {}
    result.verified = True
    result.checks += ["file", "signature"]
    result.issuer_name = organisation.get("name", "")
    result.known_issuer = True
    result.credential_number = record.number
    result.valid_from = record.issued_on.isoformat()
    result.achievement = (
        f"{record.course_code} {record.course_title}".strip() or record.credential_type_label
    )
    if credential.status == CredentialStatus.ISSUED:
        result.status = STATUS_VALID
    else:
        result.status = STATUS_REVOKED
        result.refuse("The RTO has cancelled this credential.")
    return result


def upload_check(data: bytes) -> CheckResult:
    """Whatever was dropped or pasted: JSON, a PDF or a badge image."""
    if len(data) > MAX_UPLOAD_BYTES:
        return CheckResult().refuse(TOO_LARGE.format(limit=f"{MAX_UPLOAD_BYTES // 1024**2} MB"))
    head = data.lstrip()[:8]
    if head.startswith(b"%PDF"):
        return pdf_check(data)
    is_png = data.startswith(b"\x89PNG\r\n\x1a\n")
    if is_png or head.startswith(b"<svg") or head.startswith(b"<?xml"):
        credential = _credential_in_image(data)
        if credential is None:
            return CheckResult(kind="image").refuse(IMAGE_WITHOUT_CREDENTIAL)
        result = credential_check(credential)
        result.kind = "image"
        return result
    if head[:1] in (b"{", b"["):
        return json_check(data)
    if data.startswith(b"\xef\xbb\xbf"):
        return json_check(data)
    return CheckResult().refuse(UNKNOWN_FORMAT)
