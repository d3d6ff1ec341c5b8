"""The register report page: grouped by course or by course offer, filtered, paged by cursor."""

import re
from datetime import date

import pytest
from django.urls import reverse

from testamur.accounts.roles import Role
from testamur.core import paging
from testamur.credentials.models import CredentialStatus
from testamur.reports.forms import DATES_REVERSED
from tests.factories import course_make, offer_make, organisation_configured, template_make
from tests.reports.helpers import register_entry

pytestmark = pytest.mark.django_db

REPORT = "/reports/register/"


@pytest.fixture
def offers():
    """Two courses; the first with two offers. Codes sort differently from creation order."""
    organisation_configured()
    business = course_make("BSB40120", title="Certificate IV in Business", aqf_level=4)
    care = course_make("CHC33021", title="Certificate III in Individual Support")
    return {
        "care-t1": offer_make(care, code="CHC33021-T1"),
        "bsb-t2": offer_make(business, code="BSB40120-T2"),
        "bsb-t1": offer_make(business, code="BSB40120-T1"),
    }


def _numbers(response) -> list[str]:
    """Credential numbers in the order the report lists them."""
    assert response.status_code == 200
    return [c.number or f"#{c.pk}" for c in response.context["page_obj"].object_list]


def _groups(response) -> list[str]:
    html = response.content.decode()
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r'<tr class="group-row">\s*<th[^>]*>(.*?)</th>', html, re.S)
    ]


def test_by_course_offer_groups_in_offer_code_order_and_shows_every_column(
    rto_user_client, offers, make_user
):
    officer = make_user(Role.ADMIN, first_name="Olivia", last_name="Officer")
    care = register_entry(offers["care-t1"], given_name="Ava", family_name="Care", officer=officer)
    t2 = register_entry(offers["bsb-t2"], given_name="Ben", family_name="Two")
    t1_first = register_entry(offers["bsb-t1"], given_name="Cat", family_name="One")
    t1_cancelled = register_entry(
        offers["bsb-t1"],
        status=CredentialStatus.CANCELLED,
        reason="Maiden name should be married name",
        given_name="Dan",
        family_name="One",
    )
    requested = register_entry(
        offers["bsb-t1"], status=CredentialStatus.REQUESTED, given_name="Eve", family_name="One"
    )

    response = rto_user_client.get(REPORT, {"group": "offer"})

    assert _numbers(response) == [
        t1_first.number,
        t1_cancelled.number,
        f"#{requested.pk}",
        t2.number,
        care.number,
    ]
    assert _groups(response) == [
        "BSB40120-T1 — BSB40120 Certificate IV in Business",
        "BSB40120-T2 — BSB40120 Certificate IV in Business",
        "CHC33021-T1 — CHC33021 Certificate III in Individual Support",
    ]
    html = response.content.decode()
    for text in [
        "Statement of Attainment",
        "Ava Care",
        care.learner.client_id,
        "20/11/2026",
        "23/11/2026",
        "Maiden name should be married name",
        "Cancelled",
        "Olivia Officer",
        "Not numbered",
    ]:
        assert text in html


def test_by_course_groups_offers_of_one_course_together(rto_user_client, offers):
    t2 = register_entry(offers["bsb-t2"])
    care = register_entry(offers["care-t1"])
    t1 = register_entry(offers["bsb-t1"])

    response = rto_user_client.get(REPORT, {"group": "course"})

    assert _numbers(response) == [t2.number, t1.number, care.number]  # request order in a course
    assert _groups(response) == [
        "BSB40120 Certificate IV in Business",
        "CHC33021 Certificate III in Individual Support",
    ]
    assert "Credential register by course" in response.content.decode()


def test_filters_status_type_dates_and_officer(rto_user_client, offers, make_user):
    officer = make_user(Role.ADMIN)
    offer = offers["bsb-t1"]
    testamur = template_make("testamur")
    issued_early = register_entry(
        offer, credential_date=date(2026, 3, 1), issued_on=date(2026, 3, 20), officer=officer
    )
    issued_late = register_entry(
        offer, credential_date=date(2026, 3, 2), issued_on=date(2026, 9, 1), template=testamur
    )
    cancelled = register_entry(offer, status=CredentialStatus.CANCELLED)

    def numbers(**params):
        return _numbers(rto_user_client.get(REPORT, params))

    assert numbers(status="cancelled") == [cancelled.number]
    assert numbers(type="testamur") == [issued_late.number]
    assert numbers(date_from="2026-03-01", date_to="2026-03-31") == [
        issued_early.number,
        issued_late.number,
    ]
    assert numbers(date_field="issued_date", date_from="2026-03-01", date_to="2026-03-31") == [
        issued_early.number
    ]
    assert numbers(officer=officer.pk) == [issued_early.number]
    assert numbers(offer=offers["bsb-t2"].pk) == []
    assert (
        "No credentials match these filters."
        in rto_user_client.get(REPORT, {"offer": offers["bsb-t2"].pk}).content.decode()
    )


def test_reversed_dates_are_explained_and_nothing_is_listed(rto_user_client, offers):
    register_entry(offers["bsb-t1"])

    response = rto_user_client.get(REPORT, {"date_from": "2026-12-01", "date_to": "2026-01-01"})

    assert response.status_code == 200
    html = response.content.decode()
    assert DATES_REVERSED.replace("'", "&#x27;") in html
    assert response.context["page_obj"] is None
    assert "Download:" not in html
    reversed_dates = "date_from=2026-12-01&date_to=2026-01-01"
    for name in ("reports:register_csv", "reports:register_xlsx", "reports:register_pdf"):
        url = f"{reverse(name)}?{reversed_dates}"
        # The XLSX starts a background export (a POST); the others download in the request.
        send = rto_user_client.post if name == "reports:register_xlsx" else rto_user_client.get
        download = send(url)
        assert download.status_code == 400
        assert DATES_REVERSED.replace("'", "&#x27;") in download.content.decode()


def test_nonsense_filters_are_explained_not_a_500(rto_user_client, offers):
    response = rto_user_client.get(
        REPORT, {"group": "nope", "status": "x", "officer": "abc", "after": "-1", "date_to": "x"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Select a valid choice" in html
    assert "Enter a valid date" in html


@pytest.mark.parametrize("cap", [10_000, 10], ids=["few rows: sorted", "many rows: group walk"])
def test_pages_by_cursor_through_every_row_once(cap, rto_user_client, offers, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", cap)
    entries = [register_entry(offers["bsb-t1"]) for _ in range(60)]
    entries += [register_entry(offers["care-t1"]) for _ in range(45)]
    expected = [e.number for e in entries]

    seen, params = [], {"group": "offer"}
    pages = []
    while True:
        response = rto_user_client.get(REPORT, params)
        page = response.context["page_obj"]
        pages.append(page)
        seen += _numbers(response)
        if not page.has_next:
            break
        assert f"after={page.after}" in response.content.decode()
        params = {"group": "offer", "after": page.after}

    assert seen == expected
    assert [len(p.object_list) for p in pages] == [50, 50, 5]
    assert pages[0].count == min(105, cap)
    total = "105 in all" if cap > 105 else f"More than {cap} in all"
    assert total in rto_user_client.get(REPORT).content.decode()
    # The second page starts mid-group, and says which group it is in.
    second = rto_user_client.get(REPORT, {"group": "offer", "after": pages[0].after})
    assert _groups(second)[0].startswith("BSB40120-T1")
    back = rto_user_client.get(REPORT, {"group": "offer", "before": pages[2].before})
    assert _numbers(back) == expected[50:100]


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.USER])
def test_every_role_runs_the_report(role, role_client, offers):
    entry = register_entry(offers["bsb-t1"])
    client = role_client(role)
    assert _numbers(client.get(REPORT)) == [entry.number]
    assert client.get(reverse("reports:register_csv")).status_code == 200
    assert "Reports" in client.get("/").content.decode()


def test_anonymous_visitors_sign_in_first(client, offers):
    response = client.get(REPORT)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_an_offer_is_chosen_by_typing_its_code(rto_user_client, offers):
    mine = register_entry(offers["bsb-t2"])
    register_entry(offers["bsb-t1"])

    response = rto_user_client.get(REPORT, {"offer": "bsb40120-t2"})

    assert _numbers(response) == [mine.number]
    assert 'value="BSB40120-T2"' in response.content.decode()
    unknown = rto_user_client.get(REPORT, {"offer": "NOPE-1"}).content.decode()
    assert "No course offer has the code NOPE-1." in unknown


def test_a_cursor_from_elsewhere_starts_at_the_first_page(rto_user_client, offers):
    entry = register_entry(offers["bsb-t1"], fields={"course_enrolment": None})
    listed = register_entry(offers["bsb-t2"])

    for params in ({"after": entry.pk}, {"before": 999_999_999}, {"after": "x"}):
        response = rto_user_client.get(REPORT, params)
        assert _numbers(response) == [listed.number]
