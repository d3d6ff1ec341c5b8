"""The simulated USI service: checks the token and proof-key signature, answers from the
data set."""

import base64
from datetime import date

import xmlsec
from lxml import etree

from testamur.learners.usi import is_valid_usi
from testamur.learners.usi_registry import wssec
from testamur.learners.usi_registry.messages import BULK_LIMIT, Answer, Person
from testamur.learners.usi_registry.simulator.checks import Refusal, SharedChecks
from testamur.learners.usi_registry.simulator.pki import pem
from testamur.learners.usi_registry.simulator.registry import answer
from testamur.learners.usi_registry.xmlns import (
    SAML,
    USI,
    envelope,
    find,
    parse_xml_time,
    q,
    sub,
    text,
)


class UsiService(SharedChecks):
    """Needs `keys`, `records`, `clock`, `skew`, `service_url`, `applies_to`, `received`,
    `calls`, `_lock` and `_sts_cert_pem` (set by RegistrySimulator)."""

    def service_call(self, root) -> etree._Element:
        action = text(root, "s:Header/a:Action") or ""
        operation = action.removeprefix(f"{USI}/")
        if operation not in ("VerifyUSI", "BulkVerifyUSI"):
            raise Refusal("a:ActionNotSupported", f"The action {action!r} is not supported here.")
        if text(root, "s:Header/a:To") != self.service_url:
            raise Refusal(
                "a:DestinationUnreachable", "The message is addressed to another service."
            )
        security = self._security(root)
        stamp = self._timestamp(security)
        proof_key = self._token(security)
        signature = find(security, "ds:Signature")
        if signature is None:
            raise Refusal("o:InvalidSecurity", "The message is not signed with the proof key.")
        try:
            wssec.verify_hmac(root, signature, secret=proof_key, expected=[stamp])
        except wssec.SignatureInvalid as exc:
            raise Refusal("o:FailedCheck", f"The message's signature is refused: {exc}") from exc
        body = find(root, f"s:Body/usi:{operation}")
        if body is None:
            raise Refusal("a:BadRequest", f"The body holds no {operation}.")
        if operation == "VerifyUSI":
            reply = self._verify(body)
            count = 1
        else:
            reply = self._bulk_verify(body)
            count = len(body.findall(f"{{{USI}}}Verifications/{{{USI}}}Verification"))
        with self._lock:
            self.calls.append((operation, count))
        return reply

    def _token(self, security) -> bytes:
        encrypted = find(security, "xenc:EncryptedData")
        if encrypted is None:
            raise Refusal("o:InvalidSecurityToken", "The message carries no issued token.")
        manager = xmlsec.KeysManager()
        manager.add_key(
            xmlsec.Key.from_memory(pem(self.keys.service_key), xmlsec.constants.KeyDataFormatPem)
        )
        holder = etree.Element("holder")
        holder.append(etree.fromstring(etree.tostring(encrypted)))
        try:
            assertion = xmlsec.EncryptionContext(manager).decrypt(holder[0])
        except xmlsec.Error as exc:
            raise Refusal(
                "o:InvalidSecurityToken", "The issued token cannot be decrypted."
            ) from exc
        if assertion is None or assertion.tag != q(SAML, "Assertion"):
            raise Refusal("o:InvalidSecurityToken", "The issued token is not an assertion.")
        try:
            wssec.verify_enveloped(assertion, certificate_pem=self._sts_cert_pem)
        except wssec.SignatureInvalid as exc:
            raise Refusal("o:InvalidSecurityToken", f"The issued token is refused: {exc}") from exc
        conditions = find(assertion, "saml:Conditions")
        audience = text(assertion, "saml:Conditions/saml:AudienceRestriction/saml:Audience")
        if conditions is None or audience != self.applies_to:
            raise Refusal("o:InvalidSecurityToken", "The issued token is for another service.")
        now = self.clock()
        if parse_xml_time(conditions.get("NotOnOrAfter", "")) <= now - self.skew:
            raise Refusal(
                "o:InvalidSecurityToken",
                f"The issued token expired at {conditions.get('NotOnOrAfter')}.",
            )
        if parse_xml_time(conditions.get("NotBefore", "")) > now + self.skew:
            raise Refusal("o:InvalidSecurityToken", "The issued token is not valid yet.")
        secret = text(
            assertion,
            "saml:Subject/saml:SubjectConfirmation/saml:SubjectConfirmationData/ds:KeyInfo/trust:BinarySecret",
        )
        return base64.b64decode(secret or "")

    def _person(self, element, record_id: int = 0) -> Person:
        usi = text(element, "usi:USI") or ""
        if not is_valid_usi(usi):
            # The contract's pattern refuses it before the registry is asked.
            raise Refusal(
                "a:DeserializationFailed",
                "The request does not match the contract.",
                [("E0001", f"USI {usi!r} is not in the USI format.")],
            )
        first, family = text(element, "usi:FirstName") or "", text(element, "usi:FamilyName") or ""
        single = text(element, "usi:SingleName") or ""
        if bool(single) == bool(first or family) or (not single and not (first and family)):
            raise Refusal(
                "a:DeserializationFailed",
                "The request does not match the contract.",
                [("E0002", "Give either FirstName and FamilyName, or SingleName.")],
            )
        try:
            born = date.fromisoformat(text(element, "usi:DateOfBirth") or "")
        except ValueError as exc:
            raise Refusal(
                "a:DeserializationFailed",
                "The request does not match the contract.",
                [("E0003", "DateOfBirth is not a date.")],
            ) from exc
        with self._lock:
            self.received.append(usi)
        return Person(
            record_id=record_id,
            usi=usi,
            date_of_birth=born,
            first_name=first,
            family_name=family,
            single_name=single,
        )

    def _verify(self, body) -> etree._Element:
        person = self._person(body)
        result = answer(self.records.get(person.usi), person)
        root, _header, out = envelope()
        response = sub(out, USI, "VerifyUSIResponse")
        _answer_elements(response, result)
        return root

    def _bulk_verify(self, body) -> etree._Element:
        items = body.findall(f"{{{USI}}}Verifications/{{{USI}}}Verification")
        try:
            declared = int(text(body, "usi:NoOfVerifications") or "")
        except ValueError:
            declared = -1
        if declared != len(items) or not 0 < len(items) <= BULK_LIMIT:
            raise Refusal(
                "a:DeserializationFailed",
                "The request does not match the contract.",
                [
                    (
                        "E0004",
                        f"NoOfVerifications must equal the verifications sent (1 to {BULK_LIMIT}).",
                    )
                ],
            )
        people = []
        for item in items:
            try:
                record_id = int(text(item, "usi:RecordId") or "")
            except ValueError as exc:
                raise Refusal("a:DeserializationFailed", "A RecordId is not a number.") from exc
            people.append(self._person(item, record_id))
        if len({p.record_id for p in people}) != len(people):
            raise Refusal("a:DeserializationFailed", "RecordId values must be unique.")
        root, _header, out = envelope()
        responses = sub(sub(out, USI, "BulkVerifyUSIResponse"), USI, "VerificationResponses")
        for person in people:
            result = answer(self.records.get(person.usi), person)
            element = sub(responses, USI, "VerificationResponse")
            _answer_elements(element, result)
            sub(element, USI, "USI", person.usi)
            sub(element, USI, "RecordId", str(person.record_id))
        return root


def _answer_elements(parent, result: Answer) -> None:
    sub(parent, USI, "USIStatus", result.usi_status)
    for name, value in (
        ("FirstName", result.first_name),
        ("FamilyName", result.family_name),
        ("SingleName", result.single_name),
        ("DateOfBirth", result.date_of_birth),
    ):
        if value:
            sub(parent, USI, name, value)
