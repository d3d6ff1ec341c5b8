"""WS-Security signatures with the XML Security Library (python-xmlsec).

Two kinds, as the ATO's services require: the token request is signed with the machine
credential's RSA key (RSA-SHA256 over the Timestamp and To headers); each USI service call is
signed with the proof key the token service issued (HMAC-SHA1 over the Timestamp). Both use
exclusive canonicalisation and point at the signed parts by their wsu:Id. Verification (used by
the simulator) also checks that the signature covers exactly the parts it must, so a signature
moved onto other content (signature wrapping) is refused.
"""

import xmlsec
from cryptography.hazmat.primitives import serialization
from lxml import etree

from testamur.learners.usi_registry.xmlns import DS, WSU, q

ID = q(WSU, "Id")


class SignatureInvalid(Exception):
    """The message's signature does not verify or does not cover what it must."""


def _template(parent, *, method, digest, uris: list[str]):
    signature = xmlsec.template.create(parent, xmlsec.constants.TransformExclC14N, method, ns="ds")
    parent.append(signature)
    for uri in uris:
        reference = xmlsec.template.add_reference(signature, digest, uri=uri)
        xmlsec.template.add_transform(reference, xmlsec.constants.TransformExclC14N)
    return signature


def _register_ids(root, context) -> None:
    ids = [element for element in root.iter() if element.get(ID)]
    seen = set()
    for element in ids:
        value = element.get(ID)
        if value in seen:
            # Two elements with one Id: which is signed would depend on the reader.
            raise SignatureInvalid(f"Duplicate wsu:Id {value!r}.")
        seen.add(value)
        context.register_id(element, "Id", WSU)


def _key_info(signature, reference: etree._Element) -> None:
    key_info = xmlsec.template.ensure_key_info(signature)
    key_info.append(reference)


def sign_rsa(root, *, security, targets: list, private_key, token_reference) -> etree._Element:
    """Sign `targets` (elements with wsu:Id) with an RSA key; the signature goes in `security`."""
    signature = _template(
        security,
        method=xmlsec.constants.TransformRsaSha256,
        digest=xmlsec.constants.TransformSha256,
        uris=[f"#{target.get(ID)}" for target in targets],
    )
    _key_info(signature, token_reference)
    context = xmlsec.SignatureContext()
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    context.key = xmlsec.Key.from_memory(pem, xmlsec.constants.KeyDataFormatPem)
    _register_ids(root, context)
    context.sign(signature)
    return signature


def sign_hmac(root, *, security, targets: list, secret: bytes, token_reference) -> etree._Element:
    """Sign `targets` with the symmetric proof key (HMAC-SHA1, SHA-1 digests)."""
    signature = _template(
        security,
        method=xmlsec.constants.TransformHmacSha1,
        digest=xmlsec.constants.TransformSha1,
        uris=[f"#{target.get(ID)}" for target in targets],
    )
    _key_info(signature, token_reference)
    context = xmlsec.SignatureContext()
    context.key = xmlsec.Key.from_binary_data(xmlsec.constants.KeyDataHmac, secret)
    _register_ids(root, context)
    context.sign(signature)
    return signature


def sign_enveloped(element, *, private_key) -> etree._Element:
    """An enveloped RSA-SHA256 signature over `element` (its ID attribute), as a SAML issuer
    signs an assertion."""
    signature = xmlsec.template.create(
        element, xmlsec.constants.TransformExclC14N, xmlsec.constants.TransformRsaSha256, ns="ds"
    )
    # SAML puts the signature right after the Issuer.
    element.insert(1, signature)
    reference = xmlsec.template.add_reference(
        signature, xmlsec.constants.TransformSha256, uri=f"#{element.get('ID')}"
    )
    xmlsec.template.add_transform(reference, xmlsec.constants.TransformEnveloped)
    xmlsec.template.add_transform(reference, xmlsec.constants.TransformExclC14N)
    context = xmlsec.SignatureContext()
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    context.key = xmlsec.Key.from_memory(pem, xmlsec.constants.KeyDataFormatPem)
    context.register_id(element, "ID")
    context.sign(signature)
    return signature


def _reference_uris(signature) -> list[str]:
    return [
        ref.get("URI", "") for ref in signature.iterfind(f"{{{DS}}}SignedInfo/{{{DS}}}Reference")
    ]


def _verify(root, signature, key, *, expected: list) -> None:
    uris = _reference_uris(signature)
    wanted = [f"#{element.get(ID)}" for element in expected]
    if sorted(uris) != sorted(wanted) or any(element.get(ID) is None for element in expected):
        raise SignatureInvalid("The signature does not cover the parts it must.")
    context = xmlsec.SignatureContext()
    context.key = key
    _register_ids(root, context)
    try:
        context.verify(signature)
    except xmlsec.Error as exc:
        raise SignatureInvalid("The signature does not verify.") from exc


def verify_rsa(root, signature, *, certificate_pem: bytes, expected: list) -> None:
    key = xmlsec.Key.from_memory(certificate_pem, xmlsec.constants.KeyDataFormatCertPem)
    _verify(root, signature, key, expected=expected)


def verify_hmac(root, signature, *, secret: bytes, expected: list) -> None:
    method = signature.find(f"{{{DS}}}SignedInfo/{{{DS}}}SignatureMethod")
    if method is None or method.get("Algorithm") != "http://www.w3.org/2000/09/xmldsig#hmac-sha1":
        raise SignatureInvalid("The signature must be HMAC-SHA1 with the proof key.")
    key = xmlsec.Key.from_binary_data(xmlsec.constants.KeyDataHmac, secret)
    _verify(root, signature, key, expected=expected)


def verify_enveloped(element, *, certificate_pem: bytes) -> None:
    signature = element.find(f"{{{DS}}}Signature")
    if signature is None:
        raise SignatureInvalid("The assertion is not signed.")
    uris = _reference_uris(signature)
    if uris != [f"#{element.get('ID')}"]:
        raise SignatureInvalid("The assertion's signature does not cover the assertion.")
    context = xmlsec.SignatureContext()
    context.key = xmlsec.Key.from_memory(certificate_pem, xmlsec.constants.KeyDataFormatCertPem)
    context.register_id(element, "ID")
    try:
        context.verify(signature)
    except xmlsec.Error as exc:
        raise SignatureInvalid("The assertion's signature does not verify.") from exc
