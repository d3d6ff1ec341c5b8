"""The simulated token service: checks the signed request, issues an encrypted SAML token."""

import base64
import secrets
import uuid
from datetime import timedelta

import xmlsec
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree

from testamur.learners.usi_registry import wssec
from testamur.learners.usi_registry.simulator.checks import Refusal, SharedChecks
from testamur.learners.usi_registry.simulator.pki import pem
from testamur.learners.usi_registry.xmlns import (
    DS,
    ISSUE_ACTION,
    SAML,
    SAML2_TYPE,
    SAML_ID,
    SYMMETRIC_KEY,
    TRUST,
    WSA,
    WSP,
    WSSE,
    WSSE11,
    WSU,
    envelope,
    find,
    q,
    sub,
    text,
    xml_time,
)


class TokenService(SharedChecks):
    """Needs `keys`, `clock`, `skew`, `authorised_abns`, `token_seconds`, `sts_url`,
    `applies_to`, `tokens_issued`, `_lock` and `_ca_public` (set by RegistrySimulator)."""

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
