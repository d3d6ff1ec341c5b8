"""One pure function per NAT file reading a line's fields back into Testamur's values (import).

Each reader reports what it cannot take (`report(message, field)`) and converts AVETMISS codes
back with the tables of records, which writes the lines.
"""

import re
from decimal import Decimal

from testamur.interchange.avetmiss.fixed_width import UNKNOWN_DATE
from testamur.interchange.avetmiss.records import (
    DELIVERY_MODES,
    DELIVERY_TRIPLETS,
    FLAGS,
    GENDERS,
    POSTCODE_NOT_STATED,
    POSTCODE_OVERSEAS,
    STATE_NOT_STATED,
    STATES,
    SURVEY_CONTACT_STATUSES,
    TRAINING_ORGANISATION_OUTCOMES,
)

STATE_UNKNOWN = "'{value}' is not an AVETMISS state identifier (01–09, 99)."
POSTCODE_WRONG = "'{value}' is not a postcode (4 digits, OSPC for overseas, @@@@ if not stated)."
FLAG_WRONG = "'{value}' is neither Y nor N."
GENDER_WRONG = "'{value}' is not an AVETMISS gender (M, F, X or @)."
DATE_NOT_STATED = "A not-stated date (@@@@@@@@) is only allowed for a date of birth."
DELIVERY_MODE_WRONG = "'{value}' is not a delivery mode identifier (e.g. YNN, NNN)."
PREDOMINANT_MODE_WRONG = "'{value}' is not a predominant delivery mode (I, E, W or N)."
OUTCOME_TO_WRONG = "'{value}' is not a training-organisation outcome Testamur keeps (TNC or D)."
FLAG_OR_NOT_STATED_WRONG = "'{value}' is not Y, N or @ (not stated)."
SURVEY_STATUS_WRONG = "'{value}' is not a survey contact status (A, C, D, E, I, M or O)."


def nat00010_read(fields: dict, report) -> dict:
    address = ", ".join(p for p in (fields["address_1"], fields["address_2"]) if p)
    return {
        "rto_code": fields["toid"],
        "legal_name": fields["name"],
        "address_line": address,
        "suburb": fields["suburb"],
        "postcode": fields["postcode"],
        "state": _state(fields["state"], report, "state", allow_blank=True),
        "phone": fields["phone"],
        "email": fields["email"],
    }


def nat00020_read(fields: dict, report) -> dict:
    return {
        "toid": fields["toid"],
        "code": fields["location"],
        "name": fields["name"],
        "postcode": _postcode(fields["postcode"], report),
        "state": _state(fields["state"], report, "state"),
        "suburb": fields["suburb"],
    }


def nat00030_read(fields: dict, report) -> dict:
    return {
        "code": fields["program"],
        "title": fields["name"],
        "nominal_hours": int(fields["nominal_hours"]) if fields["nominal_hours"] else None,
    }


def nat00060_read(fields: dict, report) -> dict:
    field_of_education = fields["field_of_education"]
    return {
        "code": fields["subject"],
        "title": fields["name"],
        "field_of_education": "" if set(field_of_education) == {"@"} else field_of_education,
        "is_vet": _flag(fields["vet_flag"], report, "vet_flag"),
        "nominal_hours": int(fields["nominal_hours"]) if fields["nominal_hours"] else None,
    }


def _stated(value: str) -> str:
    """'' for a not-stated (all @) value."""
    return "" if value and set(value) == {"@"} else value


def _flag_or_not_stated(value: str, report, field: str) -> str:
    if value not in (*FLAGS, "@"):
        report(FLAG_OR_NOT_STATED_WRONG.format(value=value), field)
    return _stated(value)


def nat00080_read(fields: dict, report) -> dict:
    gender = fields["gender"]
    if gender not in GENDERS:
        report(GENDER_WRONG.format(value=gender), "gender")
    born = fields["date_of_birth"]
    usi = fields["usi"]
    survey = fields["survey_contact_status"]
    if survey and survey not in SURVEY_CONTACT_STATUSES:
        report(SURVEY_STATUS_WRONG.format(value=survey), "survey_contact_status")
    return {
        "client_id": fields["client"],
        "name_for_encryption": fields["name_for_encryption"],
        "gender": gender,
        "date_of_birth": None if born == UNKNOWN_DATE else born,
        "postcode": _postcode(fields["postcode"], report),
        "suburb": fields["suburb"],
        "state": _state(fields["state"], report, "state", allow_blank=True),
        "usi": usi,
        "address_building": fields["building"],
        "address_unit": fields["unit"],
        "address_street_number": fields["street_number"],
        "address_street_name": fields["street_name"],
        "school_level": _stated(fields["school_level"]),
        "indigenous_status": _stated(fields["indigenous_status"]),
        "language": _stated(fields["language"]),
        "labour_force_status": _stated(fields["labour_force"]),
        "country_of_birth": _stated(fields["country_of_birth"]),
        "disability": _flag_or_not_stated(fields["disability_flag"], report, "disability_flag"),
        "prior_education": _flag_or_not_stated(
            fields["prior_education_flag"], report, "prior_education_flag"
        ),
        "at_school": _flag_or_not_stated(fields["at_school_flag"], report, "at_school_flag"),
        "survey_contact_status": survey,
    }


def nat00085_read(fields: dict, report) -> dict:
    _postcode(fields["postcode"], report)
    _state(fields["state"], report, "state", allow_blank=True)
    phone = fields["phone_mobile"] or fields["phone_home"] or fields["phone_work"]
    return {
        "client_id": fields["client"],
        "title": fields["title"],
        "given_name": fields["first_name"],
        "family_name": fields["last_name"],
        "postal_delivery_box": fields["po_box"],
        "phone": phone,
        "email": fields["email"],
    }


def nat00090_read(fields: dict, report) -> dict:
    return {"client_id": fields["client"], "disability_type": fields["disability_type"]}


def nat00100_read(fields: dict, report) -> dict:
    return {"client_id": fields["client"], "prior_education": fields["prior_education"]}


def nat00120_read(fields: dict, report) -> dict:
    triplet, predominant = fields["delivery_mode"], fields["predominant_delivery_mode"]
    if triplet not in DELIVERY_TRIPLETS:
        report(DELIVERY_MODE_WRONG.format(value=triplet), "delivery_mode")
    if predominant and predominant not in DELIVERY_MODES:
        report(PREDOMINANT_MODE_WRONG.format(value=predominant), "predominant_delivery_mode")
    if not predominant:
        by_triplet = {value: key for key, value in DELIVERY_MODES.items()}
        predominant = by_triplet.get(triplet, "I" if "Y" in triplet[:1] else "E")
    outcome_to = fields["outcome_training_organisation"]
    if outcome_to not in TRAINING_ORGANISATION_OUTCOMES:
        report(OUTCOME_TO_WRONG.format(value=outcome_to), "outcome_training_organisation")
    for name in ("start_date", "end_date"):
        if fields[name] == UNKNOWN_DATE:
            report(DATE_NOT_STATED, name)
    return {
        "toid": fields["toid"],
        "location": fields["location"],
        "client_id": fields["client"],
        "subject": fields["subject"],
        "program": fields["program"],
        "start_date": fields["start_date"],
        "end_date": fields["end_date"],
        "delivery_mode": predominant,
        "outcome": fields["outcome"],
        "outcome_training_organisation": outcome_to,
        "commitment_id": fields["purchasing_contract"],
        "hours_attended": Decimal(int(fields["hours_attended"] or 0)),
        "scheduled_hours": Decimal(int(fields["scheduled_hours"] or 0)),
    }


def nat00130_read(fields: dict, report) -> dict:
    if fields["completed_on"] == UNKNOWN_DATE:
        report(DATE_NOT_STATED, "completed_on")
    return {
        "toid": fields["toid"],
        "program": fields["program"],
        "client_id": fields["client"],
        "completed_on": fields["completed_on"],
        "issued": _flag(fields["issued_flag"], report, "issued_flag"),
    }


def _state(value: str, report, field: str, *, allow_blank: bool = False) -> str:
    if value in STATES:
        return STATES[value]
    if allow_blank and value in ("", STATE_NOT_STATED):
        return ""
    report(STATE_UNKNOWN.format(value=value), field)
    return ""


def _postcode(value: str, report) -> str:
    if value in (POSTCODE_OVERSEAS, POSTCODE_NOT_STATED, ""):
        return ""
    if not re.fullmatch(r"\d{4}", value):
        report(POSTCODE_WRONG.format(value=value), "postcode")
    return value


def _flag(value: str, report, field: str) -> bool:
    if value not in ("Y", "N"):
        report(FLAG_WRONG.format(value=value), field)
    return value == "Y"
