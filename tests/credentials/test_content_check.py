"""Activating a custom template: the content check says, in plain words, what is wrong."""

import pytest

from testamur.credentials.rendering.content_check import (
    FORBIDDEN_AQF,
    FORBIDDEN_NRT_LOGO,
    MISSING_AQF,
    MISSING_NRT_LOGO,
    MISSING_SOA_STATEMENT,
    check_template,
    content_problems,
    usi_like_tokens,
)
from testamur.credentials.rendering.context import SAMPLE_USI, sample_context
from testamur.credentials.rendering.engine import builtin_source

DATA_LINE = '#let data = json(bytes(sys.inputs.at("data")))\n'


@pytest.mark.parametrize(
    "credential_type",
    ["testamur", "record_of_results", "statement_of_attainment", "transcript", "letter", "other"],
)
def test_the_builtin_templates_can_be_activated(credential_type):
    assert (
        check_template(source=builtin_source(credential_type), credential_type=credential_type)
        == []
    )


def test_a_bare_template_is_told_everything_it_is_missing():
    source = DATA_LINE + "= Statement of Attainment\n#data.learner.full_name\n"

    problems = check_template(source=source, credential_type="statement_of_attainment")

    assert "The RTO code (41234) does not appear." in problems
    assert "The RTO name (Example Training Institute) does not appear." in problems
    assert "The RTO logo (rto-logo.svg) is not placed." in problems
    assert MISSING_SOA_STATEMENT in problems
    assert MISSING_NRT_LOGO in problems
    assert (
        "The achieved unit BSBCRT411 Apply critical thinking to work practices "
        "does not appear with its code and title." in problems
    )
    assert "The learner's full name (Zoë Nguyễn-Ó Briain) does not appear." not in problems


def test_a_record_of_results_with_the_nrt_logo_is_refused():
    source = builtin_source("record_of_results").replace(
        "// Letterhead", '#image("nrt-logo.svg", width: 2cm)\n// Letterhead'
    )

    problems = check_template(source=source, credential_type="record_of_results")

    assert problems == [FORBIDDEN_NRT_LOGO]


def test_a_statement_of_attainment_with_aqf_wording_is_refused():
    source = builtin_source("statement_of_attainment") + "\n#data.statements.aqf\n"

    assert check_template(source=source, credential_type="statement_of_attainment") == [
        FORBIDDEN_AQF
    ]


def test_a_testamur_needs_the_aqf_words_or_logo():
    source = builtin_source("testamur").replace("if qual.is_qualification {", "if false {")

    assert check_template(source=source, credential_type="testamur") == [MISSING_AQF]


def test_hard_coded_units_and_usis_are_caught():
    source = builtin_source("statement_of_attainment") + (
        "\nBSBPEF402 Develop personal work priorities\n\nUSI " + SAMPLE_USI + "\n"
    )

    problems = check_template(source=source, credential_type="statement_of_attainment")

    assert problems == [
        "A unit that is not among the learner's achieved units appears: "
        "BSBPEF402 Develop personal work priorities.",
        f"Something that reads as a USI appears ({SAMPLE_USI}); a USI is never printed.",
    ]


def test_a_template_that_does_not_compile_reports_the_line():
    problems = check_template(source=DATA_LINE + "#let x = (\n", credential_type="letter")

    assert len(problems) == 1
    assert problems[0].startswith("The template does not compile: Line 2, column ")


def test_layout_does_not_matter_only_content():
    data = sample_context("record_of_results")
    text = "\n".join(
        [
            "EXAMPLE TRAINING",
            "INSTITUTE  rto code 41234 RECORD OF",
            "RESULTS Zoë Nguyễn-",
            "Ó Briain BSB40120 Certificate IV",
            "in Business 23 November 2026 Dr Alex Citizen, Chief Executive Officer",
            "ETI-2026-000123",
        ]
        + [f"{u['code']}  {u['title']}" for u in data["units"]]
    )

    assert content_problems("record_of_results", text, data) == []


def test_usi_shapes_are_found_but_codes_and_words_are_not():
    data = sample_context("statement_of_attainment")
    text = "BNGH7C75FN BSBCRT411 STATEMENTS ETI-2026-000123 BNGH7C75FM DG6K5YHPP3"

    assert usi_like_tokens(text, data) == ["BNGH7C75FN", "DG6K5YHPP3"]


def test_an_unknown_type_is_reported():
    assert content_problems("diploma", "", sample_context("letter")) == [
        "Unknown credential type 'diploma'."
    ]
