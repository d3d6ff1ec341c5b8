"""The register report through the API: JSON pages grouped by offer or course, and CSV."""

import csv
import io
from datetime import date

import pytest

from testamur.credentials.models import CredentialStatus
from testamur.credentials.qualification_requests import credential_request_for_qualification
from testamur.reports.forms import DATES_REVERSED
from tests.factories import (
    course_make,
    learner_make,
    offer_make,
    organisation_configured,
    qualification_enrolment_make,
    system_actor,
)
from tests.qualifications.helpers import AGEING, CORE, OTHER, achieve, individual_support
from tests.reports.helpers import register_entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def register():
    business = course_make("BSB40120", title="Certificate IV in Business")
    first = offer_make(business, code="BSB-T1")
    second = offer_make(business, code="BSB-T2")
    register_entry(first, number="TM-000001", given_name="Ann", family_name="Lee")
    register_entry(
        first, status=CredentialStatus.CANCELLED, number="TM-000002", reason="Name misspelt"
    )
    register_entry(second, number="TM-000003", issued_on=date(2026, 10, 1))
    return first, second


def test_the_report_by_offer_in_pages(user_api, register):
    first, _ = register
    report = user_api.get("/reports/register").json()
    assert report["count"] == 3 and report["count_capped"] is False
    assert [c["key"] for c in report["columns"]][:3] == ["number", "type", "learner_name"]
    rows = report["rows"]
    assert [(r["group"], r["starts_group"]) for r in rows] == [
        ("BSB-T1", True),
        ("BSB-T1", False),
        ("BSB-T2", True),
    ]
    assert rows[0]["learner_name"] == "Ann Lee" and rows[0]["status"] == "issued"
    assert rows[1]["status_label"] == "Cancelled" and rows[1]["status_reason"] == "Name misspelt"
    only_first = user_api.get("/reports/register", {"offer": first.pk, "status": "issued"}).json()
    assert [r["number"] for r in only_first["rows"]] == ["TM-000001"]
    assert "course offer BSB-T1" in only_first["filters"]


def test_the_report_by_course_with_an_issued_date_range(user_api, register):
    report = user_api.get(
        "/reports/register",
        {"group": "course", "date_field": "issued_date", "date_from": "2026-11-01"},
    ).json()
    assert {r["group"] for r in report["rows"]} == {"BSB40120"}
    assert sorted(r["number"] for r in report["rows"]) == ["TM-000001", "TM-000002"]


def test_the_report_as_csv(user_api, register):
    response = user_api.get("/reports/register/csv", {"status": "issued"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Credential number"
    assert sorted(row[0] for row in rows[1:]) == ["TM-000001", "TM-000003"]


def test_bad_filters_are_422_with_the_reports_message(user_api, register):
    reversed_dates = user_api.get(
        "/reports/register", {"date_from": "2026-12-01", "date_to": "2026-01-01"}
    )
    assert reversed_dates.status_code == 422
    assert reversed_dates.json()["detail"] == DATES_REVERSED
    unknown = user_api.get("/reports/register/csv", {"offer": 999999})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["loc"] == ["query", "offer"]
    assert user_api.get("/reports/register", {"group": "learner"}).status_code == 422


def test_by_course_qualification_credentials_are_listed_without_an_offer(user_api):
    organisation_configured()
    chc = individual_support()
    learner = learner_make(given_name="Mele", family_name="Tupou")
    achieve(learner, CORE + AGEING + OTHER[:3])
    ready = qualification_enrolment_make(learner, chc, major="Ageing")
    credential_request_for_qualification(
        actor=system_actor(),
        qualification_enrolment=ready,
        credential_date=date(2026, 11, 20),
        generate=False,
    )
    by_course = user_api.get("/reports/register", {"group": "course"}).json()
    assert {(r["group"], r["offer"], r["learner_name"]) for r in by_course["rows"]} == {
        ("CHC33021", "", "Mele Tupou")
    }
    assert len(by_course["rows"]) == 2  # the testamur and the record of results
    assert user_api.get("/reports/register", {"group": "offer"}).json()["count"] == 0
