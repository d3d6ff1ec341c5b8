"""The fixed data context every credential template receives.

A template sees exactly this shape, as JSON, through `sys.inputs` (see engine.py); nothing is
ever spliced into template markup. The learner part is whitelisted: a USI, date of birth,
email or address can never reach a template, even by mistake (DESIGN.md rule 4).
"""

import copy
import io
import re
from datetime import date
from functools import lru_cache
from typing import Any, TypedDict

import segno

SOA_STATEMENT = (
    "A Statement of Attainment is issued by a Registered Training Organisation when an "
    "individual has completed one or more accredited units"
)
AQF_STATEMENT = "The qualification is recognised within the Australian Qualifications Framework"
PREVIEW_NUMBER = "PREVIEW"
# The built-in placeholder logo files; once the RTO uploads the official artwork in Settings,
# organisation.nrt_logo / aqf_logo name it instead (documents.organisation_assets).
NRT_LOGO = "nrt-logo.svg"
AQF_LOGO = "aqf-logo.svg"

CREDENTIAL_TYPE_LABELS = {
    "testamur": "Testamur",
    "record_of_results": "Record of Results",
    "statement_of_attainment": "Statement of Attainment",
    "transcript": "Transcript",
    "letter": "Letter",
    "other": "Other",
}

LEARNER_KEYS = frozenset({"given_name", "family_name", "full_name", "display_name"})
LEARNER_KEY_REFUSED = (
    "The learner data for a template may only hold {allowed}; '{key}' is not allowed "
    "(a USI, date of birth, email or address must never reach a credential)."
)


class OrganisationContext(TypedDict):
    legal_name: str
    trading_name: str
    name: str
    rto_code: str
    abn: str
    address: str
    website: str
    logo: str | None
    nrt_logo: str
    aqf_logo: str


class LearnerContext(TypedDict):
    given_name: str
    family_name: str
    full_name: str
    display_name: str


class CredentialContext(TypedDict):
    type: str
    type_label: str
    number: str
    date: str
    date_long: str
    issued_date: str
    verification_url: str
    verification_code: str
    is_preview: bool


class CourseContext(TypedDict):
    code: str
    title: str
    course_type: str
    aqf_level: str
    is_qualification: bool


class MajorContext(TypedDict):
    name: str


class UnitContext(TypedDict):
    code: str
    title: str
    outcome: str
    outcome_label: str
    nominal_hours: int | None


class SignatoryContext(TypedDict):
    name: str
    title: str
    has_signature: bool
    signature: str | None


class StatementsContext(TypedDict):
    soa: str
    aqf: str


class TemplateContext(TypedDict):
    organisation: OrganisationContext
    learner: LearnerContext
    credential: CredentialContext
    course: CourseContext | None
    qualification: CourseContext | None
    major: MajorContext | None
    units: list[UnitContext]
    signatories: list[SignatoryContext]
    statements: StatementsContext
    qr_svg: str


# Cc controls except newline, lone surrogates, non-characters and the bidirectional
# overrides/isolates that can make a name display as something else.
_CONTROL = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]"
)


def strip_control_characters(value: str) -> str:
    """Remove control characters; a tab becomes a space and CRLF a newline."""
    value = value.replace("\r\n", "\n").replace("\t", " ")
    return _CONTROL.sub("", value)


def sanitize_context(value: Any) -> Any:
    """A copy of `value` with every string (keys too) passed through strip_control_characters.

    Refuses a learner mapping with keys beyond LEARNER_KEYS.
    """
    if isinstance(value, str):
        return strip_control_characters(value)
    if isinstance(value, dict):
        learner = value.get("learner")
        if isinstance(learner, dict):
            for key in learner:
                if key not in LEARNER_KEYS:
                    raise ValueError(
                        LEARNER_KEY_REFUSED.format(allowed=", ".join(sorted(LEARNER_KEYS)), key=key)
                    )
        return {strip_control_characters(str(k)): sanitize_context(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [sanitize_context(v) for v in value]
    return value


def format_date(value: date) -> str:
    """DD/MM/YYYY, the way dates are shown everywhere."""
    return value.strftime("%d/%m/%Y")


def format_date_long(value: date) -> str:
    """'23 November 2026' (no leading zero)."""
    return f"{value.day} {value.strftime('%B %Y')}"


# The mask segno's evaluation picks most often for our verification URLs (36 % of a sample).
# Any of the eight is a valid QR code that every reader decodes; evaluating all eight by the
# standard's penalty rules, in pure Python, cost three quarters of making each code
# (docs/decisions/0030-pipeline-near-the-engine.md).
QR_MASK = 4


@lru_cache(maxsize=512)
def qr_svg(url: str) -> str:
    """A QR code for `url` as a self-contained SVG string (no XML declaration).

    Medium error correction, a fixed mask (QR_MASK); cached, so every preview (same
    placeholder URL) costs nothing after the first.
    """
    out = io.BytesIO()
    segno.make(url, error="m", micro=False, mask=QR_MASK).save(
        out,
        kind="svg",
        xmldecl=False,
        svgns=True,
        svgclass=None,
        lineclass=None,
        border=0,
        nl=False,
    )
    return out.getvalue().decode("ascii")


def finalise_context(data: dict) -> dict:
    """Fill in what every credential context carries the same way, then sanitize it.

    The statements are the regulated wording and always overwrite what was passed; the QR
    code is made from the verification URL when absent; optional asset names default to None.
    """
    data = dict(data)
    data["statements"] = {"soa": SOA_STATEMENT, "aqf": AQF_STATEMENT}
    credential = data.get("credential") or {}
    if not data.get("qr_svg") and credential.get("verification_url"):
        data["qr_svg"] = qr_svg(credential["verification_url"])
    data.setdefault("qr_svg", "")
    data["organisation"] = {
        "logo": None,
        "nrt_logo": NRT_LOGO,
        "aqf_logo": AQF_LOGO,
        **(data.get("organisation") or {}),
    }
    data["signatories"] = [
        {"signature": None, **signatory} for signatory in data.get("signatories") or []
    ]
    for key in ("course", "qualification", "major"):
        data.setdefault(key, None)
    data.setdefault("units", [])
    return sanitize_context(data)


_SAMPLE_COURSE: CourseContext = {
    "code": "BSB40120",
    "title": "Certificate IV in Business",
    "course_type": "qualification",
    "aqf_level": "Certificate IV",
    "is_qualification": True,
}
_SAMPLE_UNITS = [
    ("BSBCRT411", "Apply critical thinking to work practices", "20", "Competent", 40),
    (
        "BSBWHS411",
        "Implement and monitor WHS policies, procedures and programs",
        "20",
        "Competent",
        60,
    ),
    ("BSBOPS405", "Organise business meetings", "51", "Recognition of prior learning", 30),
    ("BSBXCM401", "Apply communication strategies in the workplace", "60", "Credit transfer", 40),
    ("BSBTWK401", "Build and maintain business relationships", "20", "Competent", 40),
]

# The sample learner's USI (valid check character) and a unit they did not achieve; neither is
# in SAMPLE_CONTEXT, so a template that shows them has hard-coded them.
SAMPLE_USI = "BNGH7C75FN"
SAMPLE_NOT_ACHIEVED_UNITS = [("BSBPEF402", "Develop personal work priorities")]
SAMPLE_VERIFICATION_URL = "https://credentials.example.edu.au/v/7K3M-Q9PX-4TWD"

SAMPLE_CONTEXT: dict = finalise_context(
    {
        "organisation": {
            "legal_name": "Example Training Institute Pty Ltd",
            "trading_name": "Example Training Institute",
            "name": "Example Training Institute",
            "rto_code": "41234",
            "abn": "12 345 678 901",
            "address": "Level 3, 100 Example Street, Sydney NSW 2000",
            "website": "https://www.example.edu.au",
            "logo": "rto-logo.svg",
        },
        "learner": {
            "given_name": "Zoë",
            "family_name": "Nguyễn-Ó Briain",
            "full_name": "Zoë Nguyễn-Ó Briain",
            "display_name": "Zoë",
        },
        "credential": {
            "type": "statement_of_attainment",
            "type_label": "Statement of Attainment",
            "number": "ETI-2026-000123",
            "date": "23/11/2026",
            "date_long": "23 November 2026",
            "issued_date": "23/11/2026",
            "verification_url": SAMPLE_VERIFICATION_URL,
            "verification_code": "7K3M-Q9PX-4TWD",
            "is_preview": False,
        },
        "course": _SAMPLE_COURSE,
        "qualification": _SAMPLE_COURSE,
        "major": None,
        "units": [
            {
                "code": code,
                "title": title,
                "outcome": outcome,
                "outcome_label": label,
                "nominal_hours": hours,
            }
            for code, title, outcome, label, hours in _SAMPLE_UNITS
        ],
        "signatories": [
            {
                "name": "Dr Alex Citizen",
                "title": "Chief Executive Officer",
                "has_signature": False,
                "signature": None,
            }
        ],
    }
)


def sample_context(credential_type: str, *, preview: bool = False) -> dict:
    """A fresh copy of SAMPLE_CONTEXT for one credential type (editor preview, activation
    check)."""
    data = copy.deepcopy(SAMPLE_CONTEXT)
    data["credential"]["type"] = credential_type
    data["credential"]["type_label"] = CREDENTIAL_TYPE_LABELS[credential_type]
    if preview:
        data["credential"]["number"] = PREVIEW_NUMBER
        data["credential"]["is_preview"] = True
    return data


_KEYS_DOC = [
    ("data.organisation.name", "RTO name as shown on documents", "Example Training Institute"),
    ("data.organisation.legal_name", "Registered legal name", "Example Training Institute Pty Ltd"),
    ("data.organisation.trading_name", "Trading name (may be empty)", "Example Training Institute"),
    ("data.organisation.rto_code", "National RTO code", "41234"),
    ("data.organisation.abn", "ABN", "12 345 678 901"),
    ("data.organisation.address", "Postal address, one line", "Level 3, 100 Example Street, …"),
    ("data.organisation.website", "Website", "https://www.example.edu.au"),
    (
        "data.organisation.logo",
        "File name of the RTO logo (use with image()), or none",
        "rto-logo.svg",
    ),
    ("data.learner.full_name", "Learner's full legal name", "Zoë Nguyễn-Ó Briain"),
    ("data.learner.given_name", "Given name", "Zoë"),
    ("data.learner.family_name", "Family name", "Nguyễn-Ó Briain"),
    ("data.learner.display_name", "Preferred name for letters", "Zoë"),
    (
        "data.credential.type",
        "testamur, record_of_results, statement_of_attainment, transcript, letter or other",
        "statement_of_attainment",
    ),
    ("data.credential.type_label", "The type in words", "Statement of Attainment"),
    ("data.credential.number", 'Credential number ("PREVIEW" on previews)', "ETI-2026-000123"),
    ("data.credential.date", "Credential date, DD/MM/YYYY", "23/11/2026"),
    ("data.credential.date_long", "Credential date in words", "23 November 2026"),
    ("data.credential.issued_date", "Date issued, DD/MM/YYYY (empty until issued)", "23/11/2026"),
    ("data.credential.verification_url", "Public verification address", SAMPLE_VERIFICATION_URL),
    ("data.credential.verification_code", "Verification code", "7K3M-Q9PX-4TWD"),
    ("data.credential.is_preview", "true on previews (show a PREVIEW watermark)", "false"),
    (
        "data.course.code / .title",
        "Course code and title (or none)",
        "BSB40120 Certificate IV in Business",
    ),
    (
        "data.course.course_type / .aqf_level / .is_qualification",
        "Kind of course",
        "qualification, Certificate IV, true",
    ),
    (
        "data.qualification",
        "The qualification the units belong to, same keys as course, or none",
        "BSB40120 …",
    ),
    ("data.major.name", "Major (specialisation), or data.major is none", "none"),
    (
        "data.units",
        "List of units: code, title, outcome, outcome_label, nominal_hours. "
        "Statements of Attainment and Records of Results get achieved units only",
        "BSBCRT411 Apply critical thinking to work practices",
    ),
    (
        "data.signatories",
        "List of signatories: name, title, has_signature, signature (file name "
        "of the signature image, or none)",
        "Dr Alex Citizen, Chief Executive Officer",
    ),
    ("data.statements.soa", "The Statement of Attainment wording, verbatim", SOA_STATEMENT),
    ("data.statements.aqf", "The AQF wording for testamurs", AQF_STATEMENT),
    (
        "data.qr_svg",
        'QR code of the verification address: image(bytes(data.qr_svg), format: "svg")',
        "<svg …>",
    ),
    (
        "data.organisation.nrt_logo",
        "File name of the Nationally Recognised Training logo, for image() (testamurs and "
        "Statements of Attainment only; a placeholder until the RTO uploads the official one)",
        "nrt-logo.svg",
    ),
    (
        "data.organisation.aqf_logo",
        "File name of the AQF logo, for image() (testamurs only; a placeholder until the RTO "
        "uploads the official one)",
        "aqf-logo.svg",
    ),
]


def context_keys_doc() -> list[tuple[str, str, str]]:
    """(key, meaning, example) for every value a template can use, for the editor page."""
    return list(_KEYS_DOC)
