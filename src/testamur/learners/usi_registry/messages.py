"""The messages of the two services, built and read with lxml.

Token service (WS-Trust 1.3): a RequestSecurityToken for the USI service, signed with the
machine credential; its answer carries the encrypted SAML assertion (opaque to us: only the
USI service can read it), a reference to it and the proof key. USI service: VerifyUSI and
BulkVerifyUSI bodies of the 2022 contract, carried with the assertion and a Timestamp signed
with the proof key.
"""

import base64
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from cryptography.hazmat.primitives import serialization
from lxml import etree

from testamur.learners.usi_registry import wssec
from testamur.learners.usi_registry.keystore import MachineCredential
from testamur.learners.usi_registry.xmlns import (
    ANONYMOUS,
    BASE64,
    CLAIM_ABN,
    CLAIM_CREDENTIAL_TYPE,
    IDENTITY,
    ISSUE_ACTION,
    ISSUE_REQUEST,
    SAML2_TYPE,
    SOAP,
    SYMMETRIC_KEY,
    TRUST,
    USI,
    WSA,
    WSP,
    WSSE,
    WSU,
    X509_TYPE,
    envelope,
    find,
    message_id,
    parse_xml_time,
    q,
    sub,
    text,
    timestamp,
    xml_time,
)

MESSAGE_SECONDS = 300  # a message's Timestamp is valid for five minutes
TOKEN_LIFETIME = timedelta(days=1)  # what we ask the token service for; it may give less


class MalformedReply(Exception):
    """A reply that is not the XML the contract describes."""


@dataclass
class Fault:
    code: str
    subcode: str
    reason: str
    details: list[tuple[str, str]] = field(default_factory=list)  # (code, message)

    @property
    def error_codes(self) -> set[str]:
        return {code for code, _ in self.details if code}


def _addressing(header, *, action: str, to: str, to_id: str | None = None) -> etree._Element:
    mu = {q(SOAP, "mustUnderstand"): "1"}
    sub(header, WSA, "Action", action, **mu)
    sub(header, WSA, "MessageID", message_id())
    reply = sub(header, WSA, "ReplyTo")
    sub(reply, WSA, "Address", ANONYMOUS)
    attrs = dict(mu)
    if to_id:
        attrs[q(WSU, "Id")] = to_id
    return sub(header, WSA, "To", to, **attrs)


def message_id_of(root) -> str:
    return text(root, "s:Header/a:MessageID") or ""


def sts_request(
    *, credential: MachineCredential, sts_url: str, applies_to: str, now: datetime
) -> etree._Element:
    """The signed WS-Trust Issue request for a SAML 2.0 token with a symmetric proof key."""
    root, header, body = envelope()
    to = _addressing(header, action=ISSUE_ACTION, to=sts_url, to_id="_1")
    security = sub(header, WSSE, "Security", **{q(SOAP, "mustUnderstand"): "1"})
    stamp = timestamp(security, now=now, seconds=MESSAGE_SECONDS)
    token_id = f"uuid-{uuid.uuid4()}-1"
    der = credential.certificate.public_bytes(serialization.Encoding.DER)
    sub(
        security,
        WSSE,
        "BinarySecurityToken",
        base64.b64encode(der).decode("ascii"),
        ValueType=X509_TYPE,
        EncodingType=BASE64,
        **{q(WSU, "Id"): token_id},
    )
    reference = etree.Element(q(WSSE, "SecurityTokenReference"))
    sub(reference, WSSE, "Reference", URI=f"#{token_id}", ValueType=X509_TYPE)
    rst = sub(body, TRUST, "RequestSecurityToken")
    applies = sub(rst, WSP, "AppliesTo")
    endpoint = sub(applies, WSA, "EndpointReference")
    sub(endpoint, WSA, "Address", applies_to)
    claims = sub(rst, TRUST, "Claims", Dialect=IDENTITY)
    for claim in (CLAIM_ABN, CLAIM_CREDENTIAL_TYPE):
        sub(claims, IDENTITY, "ClaimType", Uri=claim, Optional="false")
    sub(rst, TRUST, "KeyType", SYMMETRIC_KEY)
    lifetime = sub(rst, TRUST, "Lifetime")
    sub(lifetime, WSU, "Created", xml_time(now))
    sub(lifetime, WSU, "Expires", xml_time(now + TOKEN_LIFETIME))
    sub(rst, TRUST, "RequestType", ISSUE_REQUEST)
    sub(rst, TRUST, "TokenType", SAML2_TYPE)
    wssec.sign_rsa(
        root,
        security=security,
        targets=[stamp, to],
        private_key=credential.private_key,
        token_reference=reference,
    )
    return root


@dataclass(frozen=True)
class IssuedToken:
    """What the token service issued: opaque to us, held until it expires."""

    assertion: bytes  # the xenc:EncryptedData element, sent back verbatim
    reference: bytes  # the o:SecurityTokenReference that names it
    proof_key: bytes
    expires: datetime

    def usable(self, now: datetime, *, margin: timedelta = timedelta(minutes=5)) -> bool:
        return now + margin < self.expires


def sts_response_read(root) -> IssuedToken:
    response = find(
        root,
        "s:Body/trust:RequestSecurityTokenResponseCollection/trust:RequestSecurityTokenResponse",
    )
    if response is None:
        response = find(root, "s:Body/trust:RequestSecurityTokenResponse")
    if response is None:
        raise MalformedReply("no RequestSecurityTokenResponse")
    assertion = find(
        response, "trust:RequestedSecurityToken/saml:EncryptedAssertion/xenc:EncryptedData"
    )
    if assertion is None:
        assertion = find(response, "trust:RequestedSecurityToken/xenc:EncryptedData")
    reference = find(response, "trust:RequestedAttachedReference/o:SecurityTokenReference")
    secret = text(response, "trust:RequestedProofToken/trust:BinarySecret")
    expires = text(response, "trust:Lifetime/u:Expires")
    if assertion is None or reference is None or not secret or not expires:
        raise MalformedReply("the token, its reference, proof key or lifetime is missing")
    try:
        proof_key = base64.b64decode(secret, validate=True)
        expiry = parse_xml_time(expires)
    except ValueError as exc:
        raise MalformedReply("unreadable proof key or lifetime") from exc
    return IssuedToken(
        assertion=etree.tostring(assertion),
        reference=etree.tostring(reference),
        proof_key=proof_key,
        expires=expiry,
    )


def usi_request(
    *, token: IssuedToken, service_url: str, operation: str, body_element, now: datetime
) -> etree._Element:
    root, header, body = envelope()
    _addressing(header, action=f"{USI}/{operation}", to=service_url)
    security = sub(header, WSSE, "Security", **{q(SOAP, "mustUnderstand"): "1"})
    stamp = timestamp(security, now=now, seconds=MESSAGE_SECONDS)
    security.append(etree.fromstring(token.assertion))
    wssec.sign_hmac(
        root,
        security=security,
        targets=[stamp],
        secret=token.proof_key,
        token_reference=etree.fromstring(token.reference),
    )
    body.append(body_element)
    return root


@dataclass(frozen=True)
class Person:
    """What is sent for one learner. Either first and family names, or a single name."""

    record_id: int
    usi: str
    date_of_birth: date
    first_name: str = ""
    family_name: str = ""
    single_name: str = ""


def _names(parent, person: Person) -> None:
    if person.single_name:
        sub(parent, USI, "SingleName", person.single_name[:40])
    else:
        sub(parent, USI, "FirstName", person.first_name[:40])
        sub(parent, USI, "FamilyName", person.family_name[:40])


def verify_usi_body(*, org_code: str, person: Person) -> etree._Element:
    root = etree.Element(q(USI, "VerifyUSI"), nsmap={None: USI})
    sub(root, USI, "OrgCode", org_code)
    sub(root, USI, "USI", person.usi)
    _names(root, person)
    sub(root, USI, "DateOfBirth", person.date_of_birth.isoformat())
    return root


BULK_LIMIT = 500  # the contract's maxOccurs for Verification


def bulk_verify_usi_body(*, org_code: str, people: list[Person]) -> etree._Element:
    if not 0 < len(people) <= BULK_LIMIT:
        raise ValueError(f"BulkVerifyUSI takes 1 to {BULK_LIMIT} verifications")
    root = etree.Element(q(USI, "BulkVerifyUSI"), nsmap={None: USI})
    sub(root, USI, "OrgCode", org_code)
    sub(root, USI, "NoOfVerifications", str(len(people)))
    verifications = sub(root, USI, "Verifications")
    for person in people:
        item = sub(verifications, USI, "Verification")
        sub(item, USI, "RecordId", str(person.record_id))
        sub(item, USI, "USI", person.usi)
        _names(item, person)
        sub(item, USI, "DateOfBirth", person.date_of_birth.isoformat())
    return root


USI_STATUSES = ("Valid", "Invalid", "Deactivated")
MATCH_VALUES = ("Match", "NoMatch")


@dataclass(frozen=True)
class Answer:
    """The registry's answer for one USI."""

    usi_status: str  # Valid, Invalid or Deactivated
    first_name: str = ""  # Match, NoMatch or "" when not returned
    family_name: str = ""
    single_name: str = ""
    date_of_birth: str = ""
    record_id: int | None = None

    @property
    def names_match(self) -> bool:
        if self.single_name:
            return self.single_name == "Match"
        return self.first_name == "Match" and self.family_name == "Match"

    @property
    def verified(self) -> bool:
        return self.usi_status == "Valid" and self.names_match and self.date_of_birth == "Match"


def _answer(element, *, bulk: bool) -> Answer:
    def value(name: str, allowed) -> str:
        found = text(element, f"usi:{name}") or ""
        if found and found not in allowed:
            raise MalformedReply(f"{name} is {found!r}")
        return found

    status = value("USIStatus", USI_STATUSES)
    if not status:
        raise MalformedReply("no USIStatus")
    record_id = None
    if bulk:
        try:
            record_id = int(text(element, "usi:RecordId") or "")
        except ValueError as exc:
            raise MalformedReply("no RecordId") from exc
    return Answer(
        usi_status=status,
        first_name=value("FirstName", MATCH_VALUES),
        family_name=value("FamilyName", MATCH_VALUES),
        single_name=value("SingleName", MATCH_VALUES),
        date_of_birth=value("DateOfBirth", MATCH_VALUES),
        record_id=record_id,
    )


def verify_usi_response_read(root) -> Answer:
    element = find(root, "s:Body/usi:VerifyUSIResponse")
    if element is None:
        raise MalformedReply("no VerifyUSIResponse")
    return _answer(element, bulk=False)


def bulk_verify_usi_response_read(root) -> list[Answer]:
    element = find(root, "s:Body/usi:BulkVerifyUSIResponse/usi:VerificationResponses")
    if element is None:
        raise MalformedReply("no BulkVerifyUSIResponse")
    return [_answer(item, bulk=True) for item in element.iterfind(q(USI, "VerificationResponse"))]


def fault_read(root) -> Fault | None:
    fault = find(root, "s:Body/s:Fault")
    if fault is None:
        return None
    details = []
    detail = find(fault, "s:Detail")
    if detail is not None:
        for info in detail.iter(q(USI, "ErrorInfo"), "ErrorInfo"):
            details.append((text(info, "usi:Code") or "", text(info, "usi:Message") or ""))
        for error in detail.iter("Error", q(TRUST, "Error")):
            details.append((error.get("Code", ""), (error.text or "").strip()))
    return Fault(
        code=text(fault, "s:Code/s:Value") or "",
        subcode=text(fault, "s:Code/s:Subcode/s:Value") or "",
        reason=" ".join(
            t.text.strip() for t in fault.iterfind(f"{{{SOAP}}}Reason/{{{SOAP}}}Text") if t.text
        ),
        details=details,
    )


def fault_envelope(
    *, code: str, subcode: str, reason: str, details: list[tuple[str, str]] = ()
) -> etree._Element:
    """A SOAP 1.2 fault (the simulator's refusals), with ErrorInfo details as the USI service."""
    root, _header, body = envelope()
    fault = sub(body, SOAP, "Fault")
    code_element = sub(fault, SOAP, "Code")
    sub(code_element, SOAP, "Value", f"s:{code}")
    subcode_element = sub(code_element, SOAP, "Subcode")
    sub(subcode_element, SOAP, "Value", subcode)
    reason_element = sub(fault, SOAP, "Reason")
    sub(
        reason_element,
        SOAP,
        "Text",
        reason,
        **{"{http://www.w3.org/XML/1998/namespace}lang": "en-AU"},
    )
    if details:
        detail = sub(fault, SOAP, "Detail")
        for error_code, message in details:
            info = sub(detail, USI, "ErrorInfo")
            sub(info, USI, "Code", error_code)
            sub(info, USI, "Message", message)
    return root
