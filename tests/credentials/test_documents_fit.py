"""Built-in Statements of Attainment and Records of Results fit their units: up to 20 units
on one page with the signature block, date, number, statement and QR; longer lists continue
with the header repeated and "Page N of M", and the signature block never stands alone."""

import io

import pypdf
import pytest

from testamur.credentials.rendering.bounded import get_renderer
from testamur.credentials.rendering.context import SOA_STATEMENT, sample_context
from testamur.credentials.rendering.engine import builtin_source

KINDS = ["statement_of_attainment", "record_of_results"]
HEADER = {
    "statement_of_attainment": "Code Unit of competency",
    "record_of_results": "Code Unit of competency Result",
}
# Lines only the signature block and what travels with it carry.
CLOSING = {
    "statement_of_attainment": ["Dr Alex Citizen", "Statement number", SOA_STATEMENT, "Check this"],
    "record_of_results": ["Dr Alex Citizen", "Record number", "units listed", "Check this"],
}


def _units(n: int) -> list[dict]:
    return [
        {
            "code": f"BSBFIT{i:03d}",
            "title": f"Implement and monitor work health and safety policies, part {i}",
            "outcome": "20",
            "outcome_label": "Competent",
            "nominal_hours": 20,
        }
        for i in range(n)
    ]


def pages(kind: str, n: int) -> list[str]:
    data = sample_context(kind)
    data["units"] = _units(n)
    pdf = get_renderer().render(source=builtin_source(kind), data=data)
    return [" ".join(p.extract_text().split()) for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]


@pytest.mark.parametrize("kind", KINDS)
def test_twenty_units_and_the_signature_block_share_one_page(kind):
    texts = pages(kind, 20)
    assert len(texts) == 1
    page = texts[0]
    assert all(f"BSBFIT{i:03d}" in page for i in range(20))
    for closing in CLOSING[kind]:
        assert closing.split()[0] in page and " ".join(closing.split()) in page
    assert "Date of issue" in page
    assert "ETI-2026-000123" in page
    assert "Page 1 of 1" in page


@pytest.mark.parametrize("kind", KINDS)
# Every length around where the list first outgrows a page, where an orphan would appear.
@pytest.mark.parametrize("n", range(30, 64, 3))
def test_longer_lists_continue_and_never_leave_the_signature_alone(kind, n):
    texts = pages(kind, n)
    assert len(texts) > 1 or n < 45
    for number, page in enumerate(texts, start=1):
        assert f"Page {number} of {len(texts)}" in page
        assert HEADER[kind] in page
    last = texts[-1]
    assert "Dr Alex Citizen" in last
    assert any(f"BSBFIT{i:03d}" in last for i in range(n))
    listed = [i for i in range(n) if any(f"BSBFIT{i:03d}" in page for page in texts)]
    assert listed == list(range(n))
