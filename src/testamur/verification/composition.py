"""The shape of Testamur's digital credentials, and nothing else: no database, no keys.

From a snapshot of what a credential states (`facts`, see selectors.credential_facts) this
module composes an Open Badges 3.0 credential (VC Data Model 2.0), the issuer's Profile
document and a Bitstring Status List credential. Signing is issuance.py's job; storing and
serving is storage.py's.
"""

import base64
import gzip
import uuid

from django.conf import settings

from testamur.verification.contexts import CREDENTIAL_CONTEXT, ISSUER_CONTEXT, VC_V2

TGA_DETAILS = "https://training.gov.au/Training/Details/{code}"
ACHIEVEMENT_NAMESPACE = uuid.UUID("5c7f0a3e-8f4b-4b43-9a55-7f1c2f6a9e10")
DIPLOMA_AQF_LEVELS = {5, 6, 9}
ACHIEVEMENT_TYPES = {
    "statement_of_attainment": "Competency",
    "record_of_results": "Achievement",
    "transcript": "Achievement",
}
SOA_STATEMENT = (
    "A Statement of Attainment is issued by a Registered Training Organisation when an "
    "individual has completed one or more accredited units."
)


def issuer_url() -> str:
    return f"{settings.PUBLIC_BASE_URL}/vc/issuer"


def status_list_base(purpose: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}/vc/status/{purpose}/"


def status_list_url(purpose: str, number: int) -> str:
    return f"{status_list_base(purpose)}{number}"


def verification_method_id(public_key_multibase: str) -> str:
    return f"{issuer_url()}#{public_key_multibase}"


def _rto_identifier(organisation: dict) -> list[dict]:
    if not organisation.get("rto_code"):
        return []
    return [
        {
            "type": "IdentifierEntry",
            "identifier": organisation["rto_code"],
            "identifierType": "ext:RTOCode",
        }
    ]


def issuer_profile(organisation: dict) -> dict:
    """The RTO as an OB Profile: name, website, public contact email and RTO code."""
    profile = {"id": issuer_url(), "type": ["Profile"], "name": organisation["name"]}
    if organisation.get("url"):
        profile["url"] = organisation["url"]
    if organisation.get("email"):
        profile["email"] = organisation["email"]
    identifiers = _rto_identifier(organisation)
    if identifiers:
        profile["otherIdentifier"] = identifiers
    return profile


def issuer_document(organisation: dict, public_keys: list[str]) -> dict:
    """What the issuer URL serves: the Profile and its public keys (assertionMethod)."""
    issuer = issuer_url()
    return {
        "@context": ISSUER_CONTEXT,
        **issuer_profile(organisation),
        "assertionMethod": [
            {
                "id": verification_method_id(key),
                "type": "Multikey",
                "controller": issuer,
                "publicKeyMultibase": key,
            }
            for key in public_keys
        ],
    }


def _achievement_type(facts: dict) -> str:
    course = facts.get("course") or {}
    if facts["credential"]["type"] == "testamur":
        return "Diploma" if course.get("aqf_level") in DIPLOMA_AQF_LEVELS else "Certificate"
    return ACHIEVEMENT_TYPES.get(facts["credential"]["type"], "Achievement")


def achievement_name(facts: dict) -> str:
    """What was achieved, in words: the qualification, or the units towards a course."""
    course = facts.get("course")
    label = facts["credential"]["type_label"]
    if not course:
        return label
    course_name = f"{course['code']} {course['title']}"
    if facts["credential"]["type"] == "testamur":
        return course_name
    return f"{label}: units of competency from {course_name}"


def _achievement_id(facts: dict) -> str:
    """The same achievement (course, type, units) gets the same id for every learner."""
    course = facts.get("course") or {}
    units = ",".join(unit["code"] for unit in facts["units"])
    key = f"{settings.PUBLIC_BASE_URL}|{facts['credential']['type']}|{course.get('code')}|{units}"
    return f"urn:uuid:{uuid.uuid5(ACHIEVEMENT_NAMESPACE, key)}"


def _alignment(unit: dict) -> dict:
    return {
        "type": ["Alignment"],
        "targetName": f"{unit['code']} {unit['title']}",
        "targetCode": unit["code"],
        "targetType": "ceasn:Competency",
        "targetFramework": "Australian national training packages",
        "targetUrl": TGA_DETAILS.format(code=unit["code"]),
    }


def _description(facts: dict) -> str:
    organisation = facts["organisation"]
    by = organisation["name"]
    if organisation.get("rto_code"):
        by += f" (RTO {organisation['rto_code']})"
    text = f"{facts['credential']['type_label']} issued by {by}."
    if facts["credential"]["type"] == "statement_of_attainment":
        text += " " + SOA_STATEMENT
    return text


def _criteria(facts: dict) -> str:
    if facts["credential"]["type"] == "testamur" and facts.get("course"):
        return f"Met the requirements of {achievement_name(facts)}."
    if not facts["units"]:
        return "Met the requirements set by the issuing RTO."
    lines = [f"- {unit['code']} {unit['title']}" for unit in facts["units"]]
    return "Assessed as competent in:\n" + "\n".join(lines)


def achievement(facts: dict) -> dict:
    course = facts.get("course")
    value = {
        "id": _achievement_id(facts),
        "type": ["Achievement"],
        "achievementType": _achievement_type(facts),
        "name": achievement_name(facts),
        "description": _description(facts),
        "criteria": {"narrative": _criteria(facts)},
    }
    if course:
        value["humanCode"] = course["code"]
    alignments = [_alignment(unit) for unit in facts["units"] if unit.get("is_vet", True)]
    if alignments:
        value["alignment"] = alignments
    return value


def open_badge_credential(facts: dict, *, credential_id: str, status_entry: dict) -> dict:
    """The unsigned Open Badges 3.0 credential. Holds the learner's display name only."""
    credential = facts["credential"]
    return {
        "@context": CREDENTIAL_CONTEXT,
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{credential['type_label']} {credential['number']}",
        "description": _description(facts),
        "issuer": issuer_profile(facts["organisation"]),
        "validFrom": credential["valid_from"],
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": facts["learner"]["display_name"],
                    "identityType": "name",
                    "hashed": False,
                }
            ],
            "achievement": achievement(facts),
        },
        "credentialStatus": status_entry,
    }


def status_entry(*, purpose: str, number: int, index: int) -> dict:
    url = status_list_url(purpose, number)
    return {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": url,
    }


def bitstring_encode(set_indices, length: int) -> str:
    """GZIP-compressed, base64url (no padding) with the multibase "u" prefix; bit 0 is the
    most significant bit of the first byte."""
    bits = bytearray(length // 8)
    for index in set_indices:
        bits[index // 8] |= 0x80 >> (index % 8)
    compressed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode().rstrip("=")


def bitstring_decode(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise ValueError("A status list is multibase base64url: it starts with 'u'.")
    body = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def bit_is_set(bits: bytes, index: int) -> bool:
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def status_list_credential(
    *, purpose: str, number: int, encoded_list: str, valid_from: str
) -> dict:
    url = status_list_url(purpose, number)
    return {
        "@context": [VC_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_url(),
        "validFrom": valid_from,
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encoded_list,
        },
    }
