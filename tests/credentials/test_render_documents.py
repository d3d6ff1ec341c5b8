"""The built-in templates produce documents that show what each credential type must show."""

import copy
import io

import pypdf
import pytest

from testamur.credentials.rendering.bounded import get_renderer
from testamur.credentials.rendering.content_check import (
    NRT_PLACEHOLDER_TEXT,
    content_problems,
    pdf_text,
)
from testamur.credentials.rendering.context import (
    AQF_STATEMENT,
    SAMPLE_USI,
    SOA_STATEMENT,
    finalise_context,
    qr_svg,
    sample_context,
)
from testamur.credentials.rendering.engine import builtin_source

TYPES = ["testamur", "record_of_results", "statement_of_attainment", "transcript", "letter"]


def _units(n: int) -> list[dict]:
    return [
        {
            "code": f"BSBTST{i:03d}",
            "title": f"Sample unit {i} with a long enough title to wrap in a table cell",
            "outcome": "20",
            "outcome_label": "Competent",
            "nominal_hours": 20,
        }
        for i in range(n)
    ]


def render(credential_type: str, data: dict | None = None, assets=None) -> bytes:
    data = data or sample_context(credential_type)
    return get_renderer().render(source=builtin_source(credential_type), data=data, assets=assets)


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("credential_type", TYPES)
def test_each_builtin_template_passes_the_content_check(credential_type):
    data = sample_context(credential_type)
    pdf = render(credential_type, data)
    images = get_renderer().images_used(source=builtin_source(credential_type), data=data)

    assert content_problems(credential_type, pdf_text(pdf), data, images=images) == []


def test_statement_of_attainment_lists_exactly_the_achieved_units_given():
    data = sample_context("statement_of_attainment")
    text = flat(pdf_text(render("statement_of_attainment", data)))

    for unit in data["units"]:
        assert f"{unit['code']} {unit['title']}" in text
    listed = [code for code in text.split() if code.startswith("BSB") and code[3:4].isalpha()]
    assert sorted(listed) == sorted(unit["code"] for unit in data["units"])
    assert "BSBPEF402" not in text  # the sample learner's unit that was not achieved
    assert SOA_STATEMENT in text
    assert "These units form part of BSB40120 Certificate IV in Business" in text
    assert NRT_PLACEHOLDER_TEXT in text
    assert AQF_STATEMENT not in text


def test_no_usi_appears_and_a_usi_cannot_be_passed_to_a_template():
    data = sample_context("statement_of_attainment")
    text = pdf_text(render("statement_of_attainment", data))
    assert SAMPLE_USI not in text

    with_usi = copy.deepcopy(data)
    with_usi["learner"]["usi"] = SAMPLE_USI
    with pytest.raises(ValueError, match="'usi' is not allowed"):
        render("statement_of_attainment", with_usi)


def test_record_of_results_has_no_nrt_logo_and_flows_over_pages_with_every_unit():
    data = sample_context("record_of_results")
    data["units"] = _units(80)
    pdf = render("record_of_results", data)
    pages = page_texts(pdf)
    text = flat(" ".join(pages))

    assert len(pages) >= 2
    for unit in data["units"]:
        assert unit["code"] in text
    assert all("Unit of competency" in page for page in pages[:-1])  # header repeated
    assert NRT_PLACEHOLDER_TEXT not in text
    images = get_renderer().images_used(source=builtin_source("record_of_results"), data=data)
    assert "nrt-logo.svg" not in images
    assert "Record of Results" in text
    assert "BSB40120 Certificate IV in Business" in text


def test_testamur_shows_the_qualification_rto_and_learner():
    data = sample_context("testamur")
    text = flat(pdf_text(render("testamur", data)))

    assert "Certificate IV in Business" in text
    assert "BSB40120" in text
    assert "RTO code 41234" in text
    assert "Zoë Nguyễn-Ó Briain" in text
    assert "23 November 2026" in text
    assert "Dr Alex Citizen" in text
    assert "Chief Executive Officer" in text
    assert AQF_STATEMENT in text
    assert NRT_PLACEHOLDER_TEXT in text
    assert "ETI-2026-000123" in text


def test_a_testamur_with_long_names_and_two_signatories_stays_on_one_page():
    data = sample_context("testamur")
    data["learner"]["full_name"] = "Maximilian Alexander Wolfeschlegelsteinhausen-Bergerdorff"
    data["qualification"]["title"] = (
        "Diploma of Early Childhood Education and Care (Leadership and Community Pathway)"
    )
    data["major"] = {"name": "Leadership"}
    data["signatories"].append(
        {
            "name": "Jordan Example-Smith",
            "title": "Head of Academic Quality",
            "has_signature": False,
        }
    )
    pages = page_texts(render("testamur", data))

    assert len(pages) == 1
    assert "Jordan Example-Smith" in pages[0]
    assert "with a specialisation in Leadership" in flat(pages[0])


def test_a_preview_carries_the_watermark_and_an_issued_document_does_not():
    preview = flat(pdf_text(render("testamur", sample_context("testamur", preview=True))))
    issued = flat(pdf_text(render("testamur", sample_context("testamur"))))

    assert "PREVIEW — NOT ISSUED" in preview
    assert "PREVIEW" not in issued


def test_transcript_lists_every_unit_it_is_given():
    data = sample_context("transcript")
    data["units"] = data["units"] + [
        {
            "code": "BSBPEF402",
            "title": "Develop personal work priorities",
            "outcome": "70",
            "outcome_label": "Continuing enrolment",
            "nominal_hours": None,
        }
    ]
    text = flat(pdf_text(render("transcript", data)))

    for unit in data["units"]:
        assert unit["code"] in text
    assert "Continuing enrolment" in text


def test_signature_and_logo_images_come_from_the_assets_given(tiny_png):
    data = sample_context("statement_of_attainment")
    data["organisation"]["logo"] = "logo.png"
    data["signatories"][0]["signature"] = "signature-1.png"
    data["signatories"][0]["has_signature"] = True
    assets = {"logo.png": tiny_png, "signature-1.png": tiny_png}

    images = get_renderer().images_used(
        source=builtin_source("statement_of_attainment"), data=data, assets=assets
    )
    render("statement_of_attainment", data, assets)

    assert {"logo.png", "signature-1.png", "nrt-logo.svg"} <= set(images)


def test_the_qr_code_is_an_embeddable_svg_of_the_verification_url():
    svg = qr_svg("https://credentials.example.edu.au/v/ABC")
    data = finalise_context({**sample_context("letter"), "qr_svg": ""})

    assert svg.startswith("<svg") and 'xmlns="http://www.w3.org/2000/svg"' in svg
    assert data["qr_svg"] == qr_svg(data["credential"]["verification_url"])
    assert data["statements"]["soa"] == SOA_STATEMENT


@pytest.fixture
def tiny_png():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 4), (20, 40, 90)).save(buffer, format="PNG")
    return buffer.getvalue()
