"""The shape of Testamur's digital credentials, and nothing else: no database, no keys.

From a snapshot of what a credential states (`facts`, see selectors.credential_facts) this
module composes an Open Badges 3.0 credential (VC Data Model 2.0), the issuer's Profile
document and a Bitstring Status List credential. Signing is issuance.py's job; storing and
serving is storage.py's.
"""

import base64
import gzip
import hashlib
import uuid

from django.conf import settings

from testamur.verification.contexts import CREDENTIAL_CONTEXT, ISSUER_CONTEXT, VC_V2

TGA_DETAILS = "https://training.gov.au/Training/Details/{code}"
ACHIEVEMENT_NAMESPACE = uuid.UUID("5c7f0a3e-8f4b-4b43-9a55-7f1c2f6a9e10")
# OB 3.0 achievementType of a testamur by AQF level (AQF 2nd ed., the levels table); where a
# level holds several qualification types the title says which (AQF_TITLE_TYPES, first match).
# OB has no Advanced Diploma or Graduate Certificate/Diploma, hence the "ext:" terms.
AQF_ACHIEVEMENT_TYPES = {
    1: "Certificate",  # Certificate I
    2: "Certificate",  # Certificate II
    3: "Certificate",  # Certificate III
    4: "Certificate",  # Certificate IV
    5: "Diploma",  # Diploma
    6: "ext:AdvancedDiploma",  # Advanced Diploma, Associate Degree
    7: "BachelorDegree",  # Bachelor Degree
    8: "ext:GraduateCertificate",  # Bachelor Honours, Graduate Certificate, Graduate Diploma
    9: "MasterDegree",  # Masters Degree
    10: "DoctoralDegree",  # Doctoral Degree
}
AQF_TITLE_TYPES = {
    6: [("associate degree", "AssociateDegree")],
    8: [("graduate diploma", "ext:GraduateDiploma"), ("honours", "BachelorDegree")],
}
# The published OB 3.0 JSON Schema of an AchievementCredential. "JsonSchema" is the VC 2.0
# type: the spec's own "1EdTechJsonSchemaValidator2019" is not defined by any context, so a
# credential naming it carries an undefined term (refused by strict verifiers and by us).
OB_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
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


def issuer_profile(organisation: dict, issuer_id: str | None = None) -> dict:
    """The RTO as an OB Profile: name, website, public contact email and RTO code."""
    profile = {"id": issuer_id or issuer_url(), "type": ["Profile"], "name": organisation["name"]}
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


def aqf_achievement_type(level: int | None, title: str = "") -> str:
    """The OB achievementType of a qualification at this AQF level ("Certificate" if unknown)."""
    for words, value in AQF_TITLE_TYPES.get(level, []):
        if words in title.lower():
            return value
    return AQF_ACHIEVEMENT_TYPES.get(level, "Certificate")


def _achievement_type(facts: dict) -> str:
    course = facts.get("course") or {}
    if facts["credential"]["type"] == "testamur":
        return aqf_achievement_type(course.get("aqf_level"), course.get("title", ""))
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


def _by(organisation: dict) -> str:
    by = organisation["name"]
    if organisation.get("rto_code"):
        by += f" (RTO {organisation['rto_code']})"
    return by


def _description(facts: dict) -> str:
    text = f"{facts['credential']['type_label']} issued by {_by(facts['organisation'])}."
    if facts["credential"]["type"] == "statement_of_attainment":
        text += " " + SOA_STATEMENT
    return text


def _achievement_description(facts: dict) -> str:
    """What was achieved (not the document): the qualification, or the competencies."""
    course = facts.get("course")
    by = _by(facts["organisation"])
    if facts["credential"]["type"] == "testamur" and course:
        level = f" at AQF level {course['aqf_level']}" if course.get("aqf_level") else ""
        return (
            f"The nationally recognised qualification {course['code']} {course['title']}"
            f"{level}, awarded by {by} to a learner who met all of its requirements."
        )
    units = [f"{unit['code']} {unit['title']}" for unit in facts["units"]]
    if not units:
        return f"Met the requirements of {achievement_name(facts)}, assessed by {by}."
    towards = f" towards {course['code']} {course['title']}" if course else ""
    text = f"Competent in {len(units)} unit{'s' if len(units) != 1 else ''} of competency"
    text += f"{towards}, assessed by {by}: " + "; ".join(units) + "."
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
        "description": _achievement_description(facts),
        "criteria": {"narrative": _criteria(facts)},
    }
    if course:
        value["humanCode"] = course["code"]
    alignments = [_alignment(unit) for unit in facts["units"] if unit.get("is_vet", True)]
    if alignments:
        value["alignment"] = alignments
    return value


def identity_salt(credential_id: str) -> str:
    """The salt of this credential's recipient hash: its own, published beside the hash (as OB
    asks), so one learner's credentials cannot be linked by their hashes."""
    return hashlib.sha256(f"testamur-identity-salt|{credential_id}".encode()).hexdigest()[:32]


def identity_hash(identity: str, salt: str) -> str:
    """OB 3.0 IdentityHash: "sha256$" and the hex SHA-256 of the identity followed by the salt."""
    return "sha256$" + hashlib.sha256((identity + salt).encode()).hexdigest()


def recipient_identifier(identity: str, credential_id: str, identity_type: str = "name") -> dict:
    salt = identity_salt(credential_id)
    return {
        "type": "IdentityObject",
        "identityHash": identity_hash(identity, salt),
        "identityType": identity_type,
        "hashed": True,
        "salt": salt,
    }


def email_identity(email: str) -> str:
    """The email as hashed: trimmed and lower-cased, so the holder's way of typing it does
    not matter."""
    return email.strip().lower()


def recipient_identifiers(learner: dict, credential_id: str) -> list[dict]:
    """The name's salted hash; and the email's, when the learner agreed (facts["learner"]
    ["email"] is only set then: the issuance record's learner_email_identifier)."""
    identifiers = [recipient_identifier(learner["display_name"], credential_id)]
    if learner.get("email"):
        identity = email_identity(learner["email"])
        identifiers.append(recipient_identifier(identity, credential_id, "emailAddress"))
    return identifiers


def open_badge_credential(
    facts: dict, *, credential_id: str, status_entry: dict, issuer_id: str | None = None
) -> dict:
    """The unsigned Open Badges 3.0 credential. The learner appears only as salted hashes: of
    the display name (a holder proves it by giving the name) and, with their consent, of their
    email address."""
    credential = facts["credential"]
    return {
        "@context": CREDENTIAL_CONTEXT,
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{credential['type_label']} {credential['number']}",
        "description": _description(facts),
        "issuer": issuer_profile(facts["organisation"], issuer_id),
        "validFrom": credential["valid_from"],
        "awardedDate": credential["valid_from"],
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": recipient_identifiers(facts["learner"], credential_id),
            "achievement": achievement(facts),
        },
        "credentialSchema": [{"id": OB_SCHEMA, "type": "JsonSchema"}],
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
    *, purpose: str, number: int, encoded_list: str, valid_from: str, issuer_id: str | None = None
) -> dict:
    url = status_list_url(purpose, number)
    return {
        "@context": [VC_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id or issuer_url(),
        "validFrom": valid_from,
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encoded_list,
        },
    }
