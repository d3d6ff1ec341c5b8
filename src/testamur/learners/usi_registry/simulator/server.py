"""The simulator's two services over HTTP (WSGI), on 127.0.0.1 only.

Token service: checks the request's timestamp, that its certificate was issued by the
simulator's authority and is within its dates, that the RSA signature covers the Timestamp and
To headers, that the organisation (ABN) is authorised and the token is for the USI service;
then issues a signed SAML 2.0 assertion encrypted for the USI service, with a fresh proof key.
USI service: checks the timestamp, decrypts the assertion and checks its signature, audience
and expiry, checks the HMAC signature with the proof key, then answers from the data set.
Every refusal is a SOAP fault, as the real services give.
"""

import base64
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import xmlsec
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree

from testamur.learners.usi import is_valid_usi
from testamur.learners.usi_registry import wssec
from testamur.learners.usi_registry.messages import (
    BULK_LIMIT,
    Answer,
    Person,
    fault_envelope,
)
from testamur.learners.usi_registry.simulator.pki import SimulatorKeys, pem
from testamur.learners.usi_registry.simulator.registry import Record, answer
from testamur.learners.usi_registry.xmlns import (
    DS,
    ISSUE_ACTION,
    SAML,
    SAML2_TYPE,
    SAML_ID,
    SOAP,
    SYMMETRIC_KEY,
    TRUST,
    USI,
    WSA,
    WSP,
    WSSE,
    WSSE11,
    WSU,
    envelope,
    find,
    parse,
    parse_xml_time,
    q,
    serialise,
    sub,
    text,
    xml_time,
)

STS_PATH = "/R3.0/S007v1.3/service.svc"
SERVICE_PATH = "/service/v5/usiservice.svc"
# The real token service issues tokens for the USI service's address without its version.
APPLIES_TO_PATH = "/service/usiservice.svc"
CONTENT_TYPE = "application/soap+xml; charset=utf-8"
MAX_BODY = 5 * 1024 * 1024


class Refusal(Exception):
    def __init__(self, subcode: str, reason: str, details=(), *, code: str = "Sender"):
        super().__init__(reason)
        self.code, self.subcode, self.reason, self.details = code, subcode, reason, list(details)


class RegistrySimulator:
    """Both services. `start()` serves them from a thread; `serve_forever()` in the foreground.

    Failure drills: `delay_seconds` answers every request late; `reply_override` makes the USI
    service answer with these bytes (a fault, or something malformed) and `reply_status`, once
    it has answered `override_after_calls` calls. `received` lists the USIs the USI service was
    asked about, in order, and `calls` each call it answered.
    """

    def __init__(
        self,
        *,
        keys: SimulatorKeys,
        records: dict[str, Record],
        host: str = "127.0.0.1",
        port: int = 0,
        authorised_abns: set[str] | None = None,
        token_seconds: int = 3600,
        skew_seconds: int = 300,
        clock: Callable[[], datetime] | None = None,
    ):
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("The simulator listens on this machine only (127.0.0.1).")
        self.keys = keys
        self.records = records
        self.authorised_abns = authorised_abns
        self.token_seconds = token_seconds
        self.skew = timedelta(seconds=skew_seconds)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.delay_seconds = 0.0
        self.reply_override: bytes | None = None
        self.reply_status = "200 OK"
        self.override_after_calls = 0
        self.received: list[str] = []
        self.calls: list[tuple[str, int]] = []  # (operation, verifications in it)
        self.tokens_issued = 0
        self._lock = threading.Lock()
        self._server = make_server(host, port, self, server_class=_Server, handler_class=_Quiet)
        self._thread: threading.Thread | None = None
        self._sts_cert_pem = pem(keys.sts)
        self._ca_public = keys.ca.public_key()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def sts_url(self) -> str:
        return self.base_url + STS_PATH

    @property
    def service_url(self) -> str:
        return self.base_url + SERVICE_PATH

    @property
    def applies_to(self) -> str:
        return self.base_url + APPLIES_TO_PATH

    def start(self) -> "RegistrySimulator":
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    # WSGI
    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if environ["REQUEST_METHOD"] != "POST" or path not in (STS_PATH, SERVICE_PATH):
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"Not found"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length > MAX_BODY:
            start_response("413 Payload Too Large", [("Content-Type", "text/plain")])
            return [b"Too large"]
        data = environ["wsgi.input"].read(length)
        if self.delay_seconds:
            time.sleep(self.delay_seconds)
        overridden = self.reply_override is not None and path == SERVICE_PATH
        if overridden and len(self.calls) >= self.override_after_calls:
            start_response(self.reply_status, [("Content-Type", CONTENT_TYPE)])
            return [self.reply_override]
        try:
            root = self._parse(data)
            reply = self.token_issue(root) if path == STS_PATH else self.service_call(root)
            status = "200 OK"
        except Refusal as refusal:
            reply = fault_envelope(
                code=refusal.code,
                subcode=refusal.subcode,
                reason=refusal.reason,
                details=refusal.details,
            )
            status = "500 Internal Server Error"
        start_response(status, [("Content-Type", CONTENT_TYPE)])
        return [serialise(reply)]

    @staticmethod
    def _parse(data: bytes):
        try:
            root = parse(data)
        except etree.XMLSyntaxError as exc:
            raise Refusal("a:BadRequest", "The request is not XML.") from exc
        if root.tag != q(SOAP, "Envelope"):
            raise Refusal("a:BadRequest", "The request is not a SOAP 1.2 envelope.")
        return root

    # Shared checks
    def _timestamp(self, security) -> etree._Element:
        stamp = find(security, "u:Timestamp")
        created = text(stamp, "u:Created") if stamp is not None else None
        expires = text(stamp, "u:Expires") if stamp is not None else None
        if not created or not expires:
            raise Refusal("o:InvalidSecurity", "The message has no timestamp.")
        try:
            created_at, expires_at = parse_xml_time(created), parse_xml_time(expires)
        except ValueError as exc:
            raise Refusal("o:InvalidSecurity", "The message's timestamp is unreadable.") from exc
        now = self.clock()
        if created_at > now + self.skew:
            raise Refusal(
                "o:MessageExpired",
                f"The message's timestamp ({created}) is in the future: the sender's clock is "
                f"ahead of the service's ({xml_time(now)}) by more than the allowed skew.",
            )
        if expires_at <= now - self.skew or expires_at <= created_at:
            raise Refusal(
                "o:MessageExpired",
                f"The message expired at {expires} (service time {xml_time(now)}).",
            )
        return stamp

    @staticmethod
    def _security(root):
        security = find(root, "s:Header/o:Security")
        if security is None:
            raise Refusal("o:InvalidSecurity", "The message has no WS-Security header.")
        return security

    # Token service
    def token_issue(self, root) -> etree._Element:
        if text(root, "s:Header/a:Action") != ISSUE_ACTION:
            raise Refusal("a:ActionNotSupported", "The token service only issues tokens.")
        security = self._security(root)
        stamp = self._timestamp(security)
        to = find(root, "s:Header/a:To")
        token = find(security, "o:BinarySecurityToken")
        signature = find(security, "ds:Signature")
        if to is None or token is None or signature is None:
            raise Refusal("o:InvalidSecurity", "The request must be signed with a certificate.")
        try:
            certificate = x509.load_der_x509_certificate(base64.b64decode(token.text or ""))
        except ValueError as exc:
            raise Refusal("o:InvalidSecurityToken", "The certificate is unreadable.") from exc
        self._check_certificate(certificate)
        try:
            wssec.verify_rsa(
                root, signature, certificate_pem=pem(certificate), expected=[stamp, to]
            )
        except wssec.SignatureInvalid as exc:
            raise Refusal("o:FailedCheck", f"The request's signature is refused: {exc}") from exc
        abn = self._abn(certificate)
        if self.authorised_abns is not None and abn not in self.authorised_abns:
            raise Refusal(
                "a:E2003",
                "The relying party is not recognised for this organisation.",
                [("E2003", "Relying party not recognised: the software is not authorised.")],
            )
        applies_to = text(
            root, "s:Body/trust:RequestSecurityToken/wsp:AppliesTo/a:EndpointReference/a:Address"
        )
        if applies_to != self.applies_to:
            raise Refusal(
                "a:E2003",
                f"The relying party {applies_to!r} is not recognised.",
                [("E2003", "Relying party not recognised.")],
            )
        return self._token_response(abn=abn, applies_to=applies_to)

    def _check_certificate(self, certificate: x509.Certificate) -> None:
        try:
            if certificate.issuer != self.keys.ca.subject:
                raise InvalidSignature
            self._ca_public.verify(
                certificate.signature,
                certificate.tbs_certificate_bytes,
                padding.PKCS1v15(),
                certificate.signature_hash_algorithm,
            )
        except InvalidSignature as exc:
            raise Refusal(
                "o:InvalidSecurityToken", "The certificate was not issued by the ATO."
            ) from exc
        now = self.clock()
        if not certificate.not_valid_before_utc <= now < certificate.not_valid_after_utc:
            raise Refusal(
                "o:InvalidSecurityToken",
                f"The machine credential expired or is not yet valid (valid "
                f"{xml_time(certificate.not_valid_before_utc)} to "
                f"{xml_time(certificate.not_valid_after_utc)}).",
            )

    @staticmethod
    def _abn(certificate: x509.Certificate) -> str:
        for attribute in certificate.subject:
            if attribute.oid == x509.NameOID.SERIAL_NUMBER and str(attribute.value).startswith(
                "ABN"
            ):
                return str(attribute.value)[3:]
        raise Refusal("o:InvalidSecurityToken", "The certificate names no ABN.")

    def _token_response(self, *, abn: str, applies_to: str) -> etree._Element:
        with self._lock:
            self.tokens_issued += 1
        now = self.clock()
        expires = now + timedelta(seconds=self.token_seconds)
        proof_key = secrets.token_bytes(32)
        assertion_id = f"_{uuid.uuid4()}"
        assertion = self._assertion(
            assertion_id=assertion_id,
            abn=abn,
            audience=applies_to,
            proof_key=proof_key,
            now=now,
            expires=expires,
        )
        encrypted = self._encrypt(assertion)
        root, _header, body = envelope()
        collection = sub(body, TRUST, "RequestSecurityTokenResponseCollection")
        response = sub(collection, TRUST, "RequestSecurityTokenResponse")
        lifetime = sub(response, TRUST, "Lifetime")
        sub(lifetime, WSU, "Created", xml_time(now))
        sub(lifetime, WSU, "Expires", xml_time(expires))
        applies = sub(response, WSP, "AppliesTo")
        sub(sub(applies, WSA, "EndpointReference"), WSA, "Address", applies_to)
        requested = sub(response, TRUST, "RequestedSecurityToken")
        sub(requested, SAML, "EncryptedAssertion").append(encrypted)
        for name in ("RequestedAttachedReference", "RequestedUnattachedReference"):
            holder = sub(response, TRUST, name)
            reference = sub(
                holder, WSSE, "SecurityTokenReference", **{q(WSSE11, "TokenType"): SAML2_TYPE}
            )
            sub(reference, WSSE, "KeyIdentifier", assertion_id, ValueType=SAML_ID)
        proof = sub(response, TRUST, "RequestedProofToken")
        sub(proof, TRUST, "BinarySecret", base64.b64encode(proof_key).decode("ascii"))
        sub(response, TRUST, "TokenType", SAML2_TYPE)
        sub(
            response, TRUST, "RequestType", "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue"
        )
        sub(response, TRUST, "KeyType", SYMMETRIC_KEY)
        return root

    def _assertion(self, *, assertion_id, abn, audience, proof_key, now, expires) -> etree._Element:
        assertion = etree.Element(
            q(SAML, "Assertion"),
            {"ID": assertion_id, "IssueInstant": xml_time(now), "Version": "2.0"},
            nsmap={"saml": SAML},
        )
        sub(assertion, SAML, "Issuer", self.sts_url)
        subject = sub(assertion, SAML, "Subject")
        sub(subject, SAML, "NameID", abn)
        confirmation = sub(
            subject,
            SAML,
            "SubjectConfirmation",
            Method="urn:oasis:names:tc:SAML:2.0:cm:holder-of-key",
        )
        data = sub(confirmation, SAML, "SubjectConfirmationData")
        key_info = sub(data, DS, "KeyInfo")
        sub(key_info, TRUST, "BinarySecret", base64.b64encode(proof_key).decode("ascii"))
        conditions = sub(
            assertion, SAML, "Conditions", NotBefore=xml_time(now), NotOnOrAfter=xml_time(expires)
        )
        sub(sub(conditions, SAML, "AudienceRestriction"), SAML, "Audience", audience)
        statement = sub(assertion, SAML, "AttributeStatement")
        attribute = sub(
            statement,
            SAML,
            "Attribute",
            Name="http://vanguard.ebusiness.gov.au/2008/06/identity/claims/abn",
        )
        sub(attribute, SAML, "AttributeValue", abn)
        wssec.sign_enveloped(assertion, private_key=self.keys.sts_key)
        return assertion

    def _encrypt(self, assertion) -> etree._Element:
        holder = etree.Element("holder")
        holder.append(assertion)
        template = xmlsec.template.encrypted_data_create(
            holder,
            xmlsec.constants.TransformAes256Cbc,
            type=xmlsec.constants.TypeEncElement,
            ns="xenc",
        )
        xmlsec.template.encrypted_data_ensure_cipher_value(template)
        key_info = xmlsec.template.encrypted_data_ensure_key_info(template, ns="ds")
        encrypted_key = xmlsec.template.add_encrypted_key(
            key_info, xmlsec.constants.TransformRsaOaep
        )
        xmlsec.template.encrypted_data_ensure_cipher_value(encrypted_key)
        manager = xmlsec.KeysManager()
        manager.add_key(
            xmlsec.Key.from_memory(pem(self.keys.service), xmlsec.constants.KeyDataFormatCertPem)
        )
        context = xmlsec.EncryptionContext(manager)
        context.key = xmlsec.Key.generate(
            xmlsec.constants.KeyDataAes, 256, xmlsec.constants.KeyDataTypeSession
        )
        return context.encrypt_xml(template, assertion)

    # USI service
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


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass
