"""The XML namespaces of SOAP 1.2, WS-Addressing, WS-Security, WS-Trust, SAML and the USI
service, and small helpers to build elements with lxml (never by formatting strings)."""

import uuid
from datetime import UTC, datetime, timedelta

from lxml import etree

SOAP = "http://www.w3.org/2003/05/soap-envelope"
WSA = "http://www.w3.org/2005/08/addressing"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSSE11 = "http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd"
DS = "http://www.w3.org/2000/09/xmldsig#"
XENC = "http://www.w3.org/2001/04/xmlenc#"
TRUST = "http://docs.oasis-open.org/ws-sx/ws-trust/200512"
WSP = "http://schemas.xmlsoap.org/ws/2004/09/policy"
IDENTITY = "http://schemas.xmlsoap.org/ws/2005/05/identity"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
USI = "http://usi.gov.au/2022/ws"

PREFIXES = {
    "s": SOAP,
    "a": WSA,
    "u": WSU,
    "o": WSSE,
    "k": WSSE11,
    "ds": DS,
    "xenc": XENC,
    "trust": TRUST,
    "wsp": WSP,
    "i": IDENTITY,
    "saml": SAML,
    "usi": USI,
}

ISSUE_ACTION = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue"
ISSUE_REQUEST = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue"
SYMMETRIC_KEY = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/SymmetricKey"
SAML2_TYPE = "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV2.0"
SAML_ID = "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLID"
X509_TYPE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"
BASE64 = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
)
ANONYMOUS = "http://www.w3.org/2005/08/addressing/anonymous"
CLAIM_ABN = "http://vanguard.ebusiness.gov.au/2008/06/identity/claims/abn"
CLAIM_CREDENTIAL_TYPE = "http://vanguard.ebusiness.gov.au/2008/06/identity/claims/credentialtype"

# Parsing what comes over the wire: no DTDs, entities or network access (XXE, billion laughs).
SAFE_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
)


def q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def sub(parent, ns: str, name: str, text: str | None = None, **attrib) -> etree._Element:
    element = etree.SubElement(parent, q(ns, name), {k: v for k, v in attrib.items()})
    if text is not None:
        element.text = text
    return element


def parse(data: bytes) -> etree._Element:
    """The root of an XML document from outside; raises etree.XMLSyntaxError if it is not XML."""
    return etree.fromstring(data, SAFE_PARSER)


def find(element, path: str):
    return element.find(path, PREFIXES)


def text(element, path: str) -> str | None:
    found = element.find(path, PREFIXES)
    return found.text.strip() if found is not None and found.text else None


def xml_time(moment: datetime) -> str:
    """UTC with milliseconds and Z, as the ATO's services write and expect."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def parse_xml_time(value: str) -> datetime:
    return datetime.fromisoformat(value.strip().replace("Z", "+00:00")).astimezone(UTC)


def message_id() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def envelope() -> tuple[etree._Element, etree._Element, etree._Element]:
    root = etree.Element(q(SOAP, "Envelope"), nsmap={k: PREFIXES[k] for k in ("s", "a", "u", "o")})
    header = sub(root, SOAP, "Header")
    body = sub(root, SOAP, "Body")
    return root, header, body


def timestamp(parent, *, now: datetime, seconds: int = 300, wsu_id: str = "_0"):
    stamp = sub(parent, WSU, "Timestamp", **{q(WSU, "Id"): wsu_id})
    sub(stamp, WSU, "Created", xml_time(now))
    sub(stamp, WSU, "Expires", xml_time(now + timedelta(seconds=seconds)))
    return stamp


def serialise(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")
