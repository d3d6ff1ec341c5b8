"""The content check run before a custom template is activated (DESIGN.md rule 4).

The template is rendered with the sample data; its text (and the image files it places) are
compared with what that credential type must and must not show. Each problem is one sentence
in plain words for the template page.
"""

import io
import re
import unicodedata
from collections.abc import Iterable
from pathlib import PurePath

import pypdf

from testamur.credentials.rendering.bounded import BoundedRenderer, get_renderer
from testamur.credentials.rendering.context import (
    AQF_LOGO,
    AQF_STATEMENT,
    NRT_LOGO,
    SAMPLE_NOT_ACHIEVED_UNITS,
    SAMPLE_USI,
    SOA_STATEMENT,
    sample_context,
)
from testamur.credentials.rendering.engine import ARCHIVE_STANDARD, Renderer, TemplateError
from testamur.learners.usi import ALPHABET, usi_check_character

CREDENTIAL_TYPES = (
    "testamur",
    "record_of_results",
    "statement_of_attainment",
    "transcript",
    "letter",
    "other",
)
NRT_PLACEHOLDER_TEXT = "NRT logo placeholder"
AQF_PLACEHOLDER_TEXT = "AQF logo placeholder"

MISSING_RTO_NAME = "The RTO name ({value}) does not appear."
MISSING_RTO_CODE = "The RTO code ({value}) does not appear."
MISSING_RTO_LOGO = "The RTO logo ({value}) is not placed."
MISSING_LEARNER = "The learner's full name ({value}) does not appear."
MISSING_QUALIFICATION = "The qualification code and title ({value}) do not appear."
MISSING_QUALIFICATION_LINK = "The qualification these units form part of ({value}) does not appear."
MISSING_DATE = "The credential date ({value}) does not appear."
MISSING_SIGNATORY = "The signatory's name and title ({value}) do not appear."
MISSING_NUMBER = "The credential number ({value}) does not appear."
MISSING_UNIT = "The achieved unit {value} does not appear with its code and title."
MISSING_NRT_LOGO = "The Nationally Recognised Training logo is not placed."
MISSING_AQF = 'Neither the AQF logo nor the words "' + AQF_STATEMENT + '" appear.'
MISSING_SOA_STATEMENT = "The Statement of Attainment statement does not appear."
MISSING_HEADING = 'The heading "{value}" does not appear.'
FORBIDDEN_NRT_LOGO = "The NRT logo appears; a Record of Results must not carry it."
FORBIDDEN_AQF = "The AQF logo or AQF wording appears; a Statement of Attainment must not carry it."
FORBIDDEN_UNIT = "A unit that is not among the learner's achieved units appears: {value}."
FORBIDDEN_USI = "Something that reads as a USI appears ({value}); a USI is never printed."
UNKNOWN_TYPE = "Unknown credential type {value!r}."
TEMPLATE_DOES_NOT_COMPILE = "The template does not compile: {value}"

_USI_TOKEN = re.compile(rf"(?<![0-9A-Z])[{ALPHABET}]{{10}}(?![0-9A-Z])")
_UNIT_CODE = re.compile(r"(?<![0-9A-Z])[A-Z]{2,}[A-Z0-9]*[0-9]{3,}[A-Z]?(?![0-9A-Z])")
_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'})
_DROPPED = re.compile(r"[\s\-\u00ad\u2010\u2011.]+")


def pdf_text(pdf: bytes) -> str:
    """All the text a reader sees in `pdf` (pypdf: pikepdf has no text extraction)."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def _canonical(text: str) -> str:
    # Layout differs from template to template: compare without case, spaces, line-end
    # hyphens, full stops or typographic quotes.
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    return _DROPPED.sub("", text)


def _stems(images: Iterable[str] | None) -> set[str]:
    return {PurePath(name).stem.casefold() for name in images or ()}


def content_problems(
    credential_type: str, pdf_text: str, data: dict, *, images: Iterable[str] | None = None
) -> list[str]:
    """What a document of `credential_type` rendered from `data` is missing or must not show.

    `pdf_text` is the document's text; `images` the file names of the images it places
    (Renderer.images_used). Without `images`, logos are looked for by their placeholder text
    only.
    """
    if credential_type not in CREDENTIAL_TYPES:
        return [UNKNOWN_TYPE.format(value=credential_type)]
    text = _canonical(pdf_text)
    stems = _stems(images)
    problems: list[str] = []

    def shown(*values: str) -> bool:
        return all(_canonical(value) in text for value in values)

    def require(value: str | None, message: str) -> None:
        if value and not shown(value):
            problems.append(message.format(value=value))

    org = data["organisation"]
    cred = data["credential"]
    qual = data.get("qualification") or data.get("course")
    formal = credential_type in {"testamur", "statement_of_attainment", "record_of_results"}

    require(org["name"], MISSING_RTO_NAME)
    if credential_type not in {"letter", "other"}:
        require(org["rto_code"], MISSING_RTO_CODE)
    require(data["learner"]["full_name"], MISSING_LEARNER)

    if formal:
        logo = org.get("logo")
        if logo and images is not None and PurePath(logo).stem.casefold() not in stems:
            problems.append(MISSING_RTO_LOGO.format(value=logo))
        if _canonical(cred["date"]) not in text and _canonical(cred["date_long"]) not in text:
            problems.append(MISSING_DATE.format(value=cred["date"]))
        for signatory in data.get("signatories") or []:
            if not shown(signatory["name"], signatory["title"]):
                who = f"{signatory['name']}, {signatory['title']}"
                problems.append(MISSING_SIGNATORY.format(value=who))
        require(cred["number"], MISSING_NUMBER)

    nrt_stem = PurePath(org.get("nrt_logo") or NRT_LOGO).stem.casefold()
    aqf_stem = PurePath(org.get("aqf_logo") or AQF_LOGO).stem.casefold()
    nrt_shown = nrt_stem in stems or _canonical(NRT_PLACEHOLDER_TEXT) in text
    aqf_shown = aqf_stem in stems or _canonical(AQF_PLACEHOLDER_TEXT) in text
    aqf_words = _canonical(AQF_STATEMENT) in text

    if credential_type == "testamur":
        if qual and not shown(qual["code"], qual["title"]):
            problems.append(MISSING_QUALIFICATION.format(value=_qual(qual)))
        if not nrt_shown:
            problems.append(MISSING_NRT_LOGO)
        if not (aqf_shown or aqf_words):
            problems.append(MISSING_AQF)

    if credential_type == "statement_of_attainment":
        require("Statement of Attainment", MISSING_HEADING)
        if _canonical(SOA_STATEMENT) not in text:
            problems.append(MISSING_SOA_STATEMENT)
        link = data.get("qualification")
        if link and not shown(link["code"], link["title"]):
            problems.append(MISSING_QUALIFICATION_LINK.format(value=_qual(link)))
        if not nrt_shown:
            problems.append(MISSING_NRT_LOGO)
        if aqf_shown or aqf_words:
            problems.append(FORBIDDEN_AQF)

    if credential_type == "record_of_results":
        require("Record of Results", MISSING_HEADING)
        if qual and not shown(qual["code"], qual["title"]):
            problems.append(MISSING_QUALIFICATION.format(value=_qual(qual)))
        if nrt_shown:
            problems.append(FORBIDDEN_NRT_LOGO)

    if credential_type in {"statement_of_attainment", "record_of_results", "transcript"}:
        for unit in data.get("units") or []:
            if not shown(unit["code"], unit["title"]):
                problems.append(MISSING_UNIT.format(value=f"{unit['code']} {unit['title']}"))

    if credential_type in {"statement_of_attainment", "record_of_results"}:
        problems += _unexpected_units(pdf_text, data)

    problems += [FORBIDDEN_USI.format(value=token) for token in usi_like_tokens(pdf_text, data)]
    return problems


def _qual(qual: dict) -> str:
    return f"{qual['code']} {qual['title']}"


def _known_codes(data: dict) -> set[str]:
    codes = {unit["code"] for unit in data.get("units") or []}
    for key in ("course", "qualification"):
        if data.get(key):
            codes.add(data[key]["code"])
    codes.add(data["credential"]["number"])
    codes.add(data["credential"].get("verification_code") or "")
    return codes


def _unexpected_units(pdf_text: str, data: dict) -> list[str]:
    known = _known_codes(data)
    text = unicodedata.normalize("NFKC", pdf_text)
    found = [f"{code} {title}" for code, title in SAMPLE_NOT_ACHIEVED_UNITS if code in text]
    found += sorted(
        {code for code in _UNIT_CODE.findall(text) if code not in known}
        - {f.split()[0] for f in found}
    )
    return [FORBIDDEN_UNIT.format(value=value) for value in found]


def usi_like_tokens(pdf_text: str, data: dict) -> list[str]:
    """Tokens that read as a USI: the sample learner's USI, or 10 USI characters with a digit
    and a valid check character (capitalised words like STATEMENTS are left alone)."""
    known = _known_codes(data)
    text = unicodedata.normalize("NFKC", pdf_text)
    return sorted(
        {
            token
            for token in _USI_TOKEN.findall(text)
            if token == SAMPLE_USI
            or (
                token not in known
                and any(c.isdigit() for c in token)
                and usi_check_character(token[:9]) == token[9]
            )
        }
    )


def check_template(
    *,
    source: str,
    credential_type: str,
    assets: dict[str, bytes] | None = None,
    renderer: Renderer | BoundedRenderer | None = None,
) -> list[str]:
    """Everything that stops `source` being activated for `credential_type`: a compile error
    (with its line) or the content problems with the sample data. Empty when it may be used."""
    renderer = renderer or get_renderer()
    data = sample_context(credential_type)
    try:
        # Issued documents are PDF/A-3b: a template that cannot conform is refused here.
        pdf = renderer.render(
            source=source, data=data, assets=assets, pdf_standard=ARCHIVE_STANDARD
        )
        images = renderer.images_used(source=source, data=data, assets=assets)
    except TemplateError as error:
        return [TEMPLATE_DOES_NOT_COMPILE.format(value=error)]
    return content_problems(credential_type, pdf_text(pdf), data, images=images)
