"""One pure function per NAT file turning Testamur's values into a line (export).

Values AVETMISS codes differently from Testamur (states, postcodes, delivery modes, USI
exemptions, "not stated" answers) are converted here and nowhere else. A client detail the
learner has no answer for is written as "not stated" (@ in every position of the field).
Reading a line back (import) is records_read, with these tables.
"""

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from testamur.interchange.avetmiss import layouts
from testamur.interchange.avetmiss.fixed_width import UNKNOWN_DATE, format_line

STATE_CODES = {
    "NSW": "01",
    "VIC": "02",
    "QLD": "03",
    "SA": "04",
    "WA": "05",
    "TAS": "06",
    "NT": "07",
    "ACT": "08",
    "OTH": "09",
    "OVS": "99",
}
STATES = {code: state for state, code in STATE_CODES.items()}
STATE_NOT_STATED = "@@"
POSTCODE_OVERSEAS = "OSPC"
POSTCODE_NOT_STATED = "@@@@"
COUNTRY_AUSTRALIA = "1101"
PRIVATE_RTO = "91"  # training organisation type: privately operated RTO
FUNDING_DOMESTIC_FEE_FOR_SERVICE = "20"
FUNDING_INTERNATIONAL_FEE_FOR_SERVICE = "30"
COMMENCING, CONTINUING = "3", "4"
DELIVERY_MODES = {"I": "YNN", "E": "NYN", "W": "NNY", "N": "NNN"}
DELIVERY_TRIPLETS = {"YNN", "NYN", "NNY", "YYN", "YNY", "NYY", "YYY", "NNN"}
EXEMPTIONS = ("INDIV", "INTOFF")
GENDERS = ("M", "F", "X", "@")
FLAGS = ("Y", "N")
SURVEY_CONTACT_STATUSES = ("A", "C", "D", "E", "I", "M", "O")
DISABILITY_NOT_SPECIFIED = "99"
SURVEY_MINOR_AGE = 15
TRAINING_ORGANISATION_OUTCOMES = ("", "TNC", "D")


def whole_hours(hours) -> int:
    return int(Decimal(hours or 0).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def state_field(state: str) -> str:
    return STATE_CODES.get(state, STATE_NOT_STATED)


def postcode_field(postcode: str, state: str) -> str:
    if postcode:
        return postcode
    return POSTCODE_OVERSEAS if state == "OVS" else POSTCODE_NOT_STATED


def name_for_encryption(family_name: str, given_name: str, middle_names: str) -> str:
    given = " ".join(part for part in (given_name, middle_names) if part)
    return f"{family_name}, {given}" if given else family_name


def names_from_encryption(value: str, first_name: str = "") -> dict[str, str]:
    """Family, given and middle names; `first_name` (NAT00085) says where the given name ends."""
    family, _, given = value.partition(",")
    given = given.strip()
    if first_name and (given == first_name or given.startswith(first_name + " ")):
        middle = given[len(first_name) :].strip()
    else:
        first_name, _, middle = given.partition(" ")
    return {"family_name": family.strip(), "given_name": first_name, "middle_names": middle}


def _phones(phone: str) -> dict[str, str]:
    digits = re.sub(r"\D", "", phone or "")
    mobile = digits.startswith("04") or digits.startswith("614")
    return {"phone_mobile": phone if mobile else "", "phone_home": "" if mobile else phone}


# NAT00010 Training organisation


def nat00010_line(
    *,
    toid: str,
    name: str,
    address_line: str,
    suburb: str,
    postcode: str,
    state: str,
    phone: str,
    email: str,
) -> str:
    return format_line(
        layouts.NAT00010,
        {
            "toid": toid,
            "name": name,
            "type": PRIVATE_RTO,
            "address_1": address_line,
            "suburb": suburb,
            "postcode": postcode,
            "state": state_field(state) if state else "",
            "phone": phone,
            "email": email,
        },
    )


# NAT00020 Delivery location


def nat00020_line(
    *, toid: str, code: str, name: str, postcode: str, state: str, suburb: str
) -> str:
    return format_line(
        layouts.NAT00020,
        {
            "toid": toid,
            "location": code,
            "name": name,
            "postcode": postcode_field(postcode, state),
            "state": state_field(state),
            "suburb": suburb,
            "country": "@@@@" if state == "OVS" else COUNTRY_AUSTRALIA,
        },
    )


# NAT00030 Program


def nat00030_line(*, code: str, title: str, nominal_hours: int) -> str:
    return format_line(
        layouts.NAT00030, {"program": code, "name": title, "nominal_hours": nominal_hours}
    )


# NAT00060 Subject


def nat00060_line(
    *, code: str, title: str, field_of_education: str, is_vet: bool, nominal_hours: int
) -> str:
    return format_line(
        layouts.NAT00060,
        {
            "subject": code,
            "name": title,
            "field_of_education": field_of_education,
            "vet_flag": "Y" if is_vet else "N",
            "nominal_hours": nominal_hours,
        },
    )


# NAT00080 Client


def _usi_field(usi: str | None, usi_status: str) -> str:
    if usi_status == "exemption_indiv":
        return "INDIV"
    if usi_status == "exemption_intoff":
        return "INTOFF"
    return usi or ""


def not_stated(code: str | None, length: int) -> str:
    """An answer's code, or @ in every position when there is none."""
    return code or "@" * length


def survey_contact_status(
    status: str, *, state: str, date_of_birth: date | None, as_at: date
) -> str:
    """The status recorded, else O for an overseas address, M for under-15s, else A."""
    if status:
        return status
    if state == "OVS":
        return "O"
    if date_of_birth:
        age = (
            as_at.year
            - date_of_birth.year
            - ((as_at.month, as_at.day) < (date_of_birth.month, date_of_birth.day))
        )
        if age < SURVEY_MINOR_AGE:
            return "M"
    return "A"


def nat00080_line(
    *,
    client_id: str,
    family_name: str,
    given_name: str,
    middle_names: str,
    gender: str,
    date_of_birth: date | None,
    postcode: str,
    suburb: str,
    state: str,
    usi: str | None,
    usi_status: str,
    address: dict[str, str],
    school_level: str = "",
    indigenous_status: str = "",
    language: str = "",
    labour_force_status: str = "",
    country_of_birth: str = "",
    disability: str = "",
    prior_education: str = "",
    at_school: str = "",
    survey_contact: str = "A",
) -> str:
    return format_line(
        layouts.NAT00080,
        {
            "client": client_id,
            "name_for_encryption": name_for_encryption(family_name, given_name, middle_names),
            "school_level": not_stated(school_level, 2),
            "gender": gender or "@",
            "date_of_birth": date_of_birth or UNKNOWN_DATE,
            "postcode": postcode_field(postcode, state),
            "indigenous_status": not_stated(indigenous_status, 1),
            "language": not_stated(language, 4),
            "labour_force": not_stated(labour_force_status, 2),
            "country_of_birth": not_stated(country_of_birth, 4),
            "disability_flag": not_stated(disability, 1),
            "prior_education_flag": not_stated(prior_education, 1),
            "at_school_flag": not_stated(at_school, 1),
            "suburb": suburb,
            "usi": _usi_field(usi, usi_status),
            "state": state_field(state),
            **address,
            "survey_contact_status": survey_contact,
        },
    )


# NAT00085 Client postal details


def nat00085_line(
    *,
    client_id: str,
    title: str,
    given_name: str,
    family_name: str,
    address: dict[str, str],
    po_box: str,
    suburb: str,
    postcode: str,
    state: str,
    phone: str,
    email: str,
) -> str:
    return format_line(
        layouts.NAT00085,
        {
            "client": client_id,
            "title": title,
            "first_name": given_name,
            "last_name": family_name,
            **address,
            "po_box": po_box,
            "suburb": suburb,
            "postcode": postcode_field(postcode, state),
            "state": state_field(state),
            **_phones(phone),
            "email": email,
        },
    )


# NAT00090 Disability, NAT00100 Prior educational achievement


def nat00090_line(*, client_id: str, disability_type: str) -> str:
    return format_line(layouts.NAT00090, {"client": client_id, "disability_type": disability_type})


def nat00100_line(*, client_id: str, prior_education: str) -> str:
    return format_line(layouts.NAT00100, {"client": client_id, "prior_education": prior_education})


# NAT00120 Training activity


def nat00120_line(
    *,
    toid: str,
    location: str,
    client_id: str,
    subject: str,
    program: str,
    start_date: date,
    end_date: date,
    delivery_mode: str,
    outcome: str,
    funding_national: str,
    commencing: str,
    outcome_training_organisation: str,
    commitment_id: str,
    hours_attended,
    scheduled_hours,
) -> str:
    return format_line(
        layouts.NAT00120,
        {
            "toid": toid,
            "location": location,
            "client": client_id,
            "subject": subject,
            "program": program,
            "start_date": start_date,
            "end_date": end_date,
            "delivery_mode": DELIVERY_MODES[delivery_mode],
            "outcome": outcome,
            "funding_national": funding_national,
            "commencing": commencing,
            "study_reason": "@@",
            "vet_in_schools": "N",
            "outcome_training_organisation": outcome_training_organisation,
            "purchasing_contract": commitment_id,
            "hours_attended": whole_hours(hours_attended),
            "scheduled_hours": whole_hours(scheduled_hours),
            "predominant_delivery_mode": delivery_mode,
        },
    )


# NAT00130 Program completed


def nat00130_line(
    *, toid: str, program: str, client_id: str, completed_on: date, issued: bool
) -> str:
    return format_line(
        layouts.NAT00130,
        {
            "toid": toid,
            "program": program,
            "client": client_id,
            "completed_on": completed_on,
            "issued_flag": "Y" if issued else "N",
        },
    )
