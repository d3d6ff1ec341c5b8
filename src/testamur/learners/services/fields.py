"""The learner fields services accept, and turning what callers give into them."""

from datetime import date

from django.core.exceptions import ValidationError

from testamur.learners import models as code_models
from testamur.learners.addresses import address_parts

# AVETMISS client details (NAT00080); blank is "not stated".
CLIENT_DETAIL_FIELDS = [
    "school_level",
    "school_level_year",
    "at_school",
    "indigenous_status",
    "language",
    "english_proficiency",
    "country_of_birth",
    "labour_force_status",
    "disability",
    "prior_education",
    "survey_contact_status",
]

LEARNER_FIELDS = [
    "client_id",
    "title",
    "given_name",
    "middle_names",
    "family_name",
    "preferred_name",
    "date_of_birth",
    "gender",
    "email",
    "phone",
    "address_building",
    "address_unit",
    "address_street_number",
    "address_street_name",
    "postal_delivery_box",
    "suburb",
    "state",
    "postcode",
    "usi",
    "usi_status",
    "usi_verified_on",
    "usi_evidence",
    "is_active",
    "privacy_flag",
    "special_requirements",
    *CLIENT_DETAIL_FIELDS,
]
# Several values each: disability types (DisabilityType rows) and prior educational
# achievements ((PriorEducationType, recognition) pairs). None leaves them as they are.
MULTI_FIELDS = ("disability_types", "prior_educations")

NOT_IN_CODE_LIST = "'{code}' is not a code of the AVETMISS {list} list."
# Learner field → its code list (model, name as people read it)
CODE_FIELDS = {
    "school_level": (code_models.SchoolLevel, "highest school level"),
    "indigenous_status": (code_models.IndigenousStatus, "Indigenous status"),
    "language": (code_models.Language, "language"),
    "english_proficiency": (code_models.EnglishProficiency, "English proficiency"),
    "country_of_birth": (code_models.Country, "country"),
    "labour_force_status": (code_models.LabourForceStatus, "labour force status"),
}


def _normalise(fields: dict) -> dict:
    unknown = set(fields) - set(LEARNER_FIELDS) - set(MULTI_FIELDS) - {"address_line"}
    if unknown:
        raise TypeError(f"Not learner fields: {sorted(unknown)}")
    fields = dict(fields)
    if "address_line" in fields:
        # One line (imports, the API) is split as AVETMISS splits it, unless parts are given.
        parts = address_parts(fields.pop("address_line") or "")
        if not any(fields.get(f"address_{name}") for name in parts):
            fields.update({f"address_{name}": value for name, value in parts.items()})
    for name in ("client_id", "usi"):
        if name in fields and isinstance(fields[name], str):
            fields[name] = fields[name].strip()
    if "usi" in fields and not fields["usi"]:
        fields["usi"] = None
    return fields


def learner_fields_from_codes(fields: dict) -> dict:
    """Fields whose client details are given as codes (the API), with the codes' entries.

    A code no list has is refused, naming the field; a blank code is "not stated".
    """
    fields, errors = dict(fields), {}

    def entry(model, code, name, list_name):
        found = model.objects.filter(pk=code).first()
        if found is None:
            errors[name] = NOT_IN_CODE_LIST.format(code=code, list=list_name)
        return found

    for name, (model, list_name) in CODE_FIELDS.items():
        if fields.get(name):
            fields[name] = entry(model, fields[name], name, list_name)
        elif name in fields:
            fields[name] = None
    if fields.get("disability_types") is not None:
        fields["disability_types"] = [
            entry(code_models.DisabilityType, code, "disability_types", "disability type")
            for code in fields["disability_types"]
        ]
    if fields.get("prior_educations") is not None:
        fields["prior_educations"] = [
            (
                entry(
                    code_models.PriorEducationType,
                    item["achievement"],
                    "prior_educations",
                    "prior educational achievement",
                ),
                item.get("recognition") or "",
            )
            for item in fields["prior_educations"]
        ]
    if errors:
        raise ValidationError(errors)
    return fields


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
