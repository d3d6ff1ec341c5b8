"""A template can only turn data into a document: data is never markup, files outside the
template's own assets cannot be read, and mistakes come back as readable errors."""

import copy
import io

import pypdf
import pytest

from testamur.credentials.rendering.bounded import get_renderer
from testamur.credentials.rendering.content_check import pdf_text
from testamur.credentials.rendering.context import sample_context, strip_control_characters
from testamur.credentials.rendering.engine import (
    PACKAGE_IMPORT_REFUSED,
    TemplateError,
    builtin_source,
)

INJECTION_NAMES = [
    '#import "secret.typ": *',
    "*O'Brien*",
    "$x^2$",
    "// comment",
    "<script>alert(1)</script>",
    '#read("/etc/passwd")',
    "Zoë Nguyễn Ó Briain",
    "]#set page(width: 1cm)[",
]
SECRET = b'#let leaked = "SECRET-MARKER"\nSECRET-MARKER\n'
DATA_LINE = '#let data = json(bytes(sys.inputs.at("data")))\n'


def pages(pdf: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("name", INJECTION_NAMES)
def test_learner_names_render_literally_and_change_nothing(name):
    renderer = get_renderer()
    source = builtin_source("statement_of_attainment")
    plain = renderer.render(source=source, data=sample_context("statement_of_attainment"))
    data = copy.deepcopy(sample_context("statement_of_attainment"))
    data["learner"]["full_name"] = name

    pdf = renderer.render(source=source, data=data, assets={"secret.typ": SECRET})
    text = flat(pdf_text(pdf))

    assert name in text
    assert "SECRET-MARKER" not in text
    assert "root:" not in text
    assert pages(pdf) == pages(plain)


def test_control_characters_never_reach_the_document():
    data = copy.deepcopy(sample_context("letter"))
    data["learner"]["full_name"] = "Ana\x00 \u202eMaria\x1b[31m"
    text = pdf_text(get_renderer().render(source=builtin_source("letter"), data=data))

    assert "Ana Maria[31m" in text
    assert "\x00" not in text and "\u202e" not in text
    assert strip_control_characters("a\tb\r\nc\x7f") == "a b\nc"


@pytest.mark.parametrize(
    "source",
    [
        '#read("/etc/passwd")',
        '#read("../../../../etc/passwd")',
        '#image("../../secret.png")',
        '#include "/../outside.typ"',
    ],
)
def test_a_template_cannot_read_files_outside_its_own_assets(source):
    with pytest.raises(TemplateError) as caught:
        get_renderer().render(source=source, data={})

    assert caught.value.line == 1
    assert "only use the files uploaded with it" in caught.value.message
    assert "nrt-logo.svg" in caught.value.message
    assert str(get_renderer().cache_dir) not in str(caught.value)


def test_a_template_can_read_its_own_assets():
    pdf = get_renderer().render(
        source='#import "helper.typ": greeting\n#greeting',
        data={},
        assets={"helper.typ": b"#let greeting = [Hello from a helper]"},
    )

    assert "Hello from a helper" in pdf_text(pdf)


@pytest.mark.parametrize(
    "line",
    [
        '#import "@preview/cetz:0.3.0": canvas',
        # A name the source never spells out: only the engine can refuse it.
        '#import "\\u{40}preview/cetz:0.3.0": *',
        '#import ("@pre" + "view/cetz:0.3.0"): *',
        '#import "@local/mine:1.0.0": *',
    ],
)
def test_no_typst_package_can_be_imported(line):
    with pytest.raises(TemplateError) as caught:
        get_renderer().render(source=f"Some text\n\n{line}\n", data={})

    assert caught.value.line == 3
    assert caught.value.message == PACKAGE_IMPORT_REFUSED
    assert not any(get_renderer().cache_dir.joinpath(".no-packages").iterdir())


def test_a_syntax_error_reports_its_line():
    source = DATA_LINE + "= Heading\n\n#let x = (1, 2\n\nMore text\n"
    with pytest.raises(TemplateError) as caught:
        get_renderer().render(source=source, data={})

    assert caught.value.line == 4
    assert caught.value.column is not None
    assert str(caught.value).startswith("Line 4, column ")


def test_an_error_inside_the_template_logic_reports_its_line():
    source = DATA_LINE + "#data.learner.full_name\n#data.learner.usi\n"
    with pytest.raises(TemplateError) as caught:
        get_renderer().render(source=source, data=sample_context("letter"))

    assert caught.value.line == 3
    assert "usi" in caught.value.message


def test_an_unknown_font_falls_back_with_a_warning():
    renderer = get_renderer()
    pdf = renderer.render(source='#set text(font: "No Such Font")\nStill readable', data={})

    assert "Still readable" in pdf_text(pdf)
    assert [str(w) for w in renderer.last_warnings] == ["Line 1: unknown font family: no such font"]


def test_unsafe_asset_names_are_refused():
    with pytest.raises(ValueError, match="not allowed"):
        get_renderer().render(source="x", data={}, assets={"../escape.png": b"x"})


def test_a_batch_reuses_one_asset_directory_and_new_contents_get_another():
    renderer = get_renderer()
    first = renderer.root_for({"logo.png": b"one"})
    written = (first / "logo.png").stat().st_mtime_ns

    again = renderer.root_for({"logo.png": b"one"})
    other = renderer.root_for({"logo.png": b"two"})

    assert again == first
    assert (first / "logo.png").stat().st_mtime_ns == written
    assert other != first
    assert (other / "logo.png").read_bytes() == b"two"
