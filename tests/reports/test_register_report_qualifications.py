"""Testamurs and records of results requested from a qualification enrolment are in the
register report by course (with the course-offer credentials of that course) and its CSV;
the report by course offer lists offers only."""

import csv
import io
from datetime import date

import pytest

from testamur.credentials.models import CredentialType
from testamur.credentials.qualification_requests import credential_request_for_qualification
from tests.factories import (
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
    organisation_configured()
    chc = individual_support()
    from_offer = register_entry(offer_make(chc, code="CHC33021-T1"), number="SOA-0001")
    learner = learner_make(given_name="Mele", family_name="Tupou")
    achieve(learner, CORE + AGEING + OTHER[:3])
    ready = qualification_enrolment_make(learner, chc, major="Ageing")
    testamur, record = credential_request_for_qualification(
        actor=system_actor(),
        qualification_enrolment=ready,
        credential_date=date(2026, 11, 20),
        generate=False,
    )
    return chc, from_offer, testamur, record


def test_the_report_by_course_lists_qualification_credentials_under_their_qualification(
    rto_user_client, register
):
    chc, from_offer, testamur, record = register

    response = rto_user_client.get("/reports/register/", {"group": "course"})

    listed = [c.pk for c in response.context["page_obj"].object_list]
    assert listed == [from_offer.pk, testamur.pk, record.pk]
    page = response.content.decode()
    assert f"{chc.code} {chc.title}" in page
    assert "Mele Tupou" in page
    rows = list(
        csv.reader(
            io.StringIO(
                b"".join(
                    rto_user_client.get(
                        "/reports/register/csv/", {"group": "course"}
                    ).streaming_content
                ).decode("utf-8-sig")
            )
        )
    )
    mele = [row for row in rows if row[2] == "Mele Tupou"]
    assert [row[1] for row in mele] == [
        CredentialType.TESTAMUR.label,
        CredentialType.RECORD_OF_RESULTS.label,
    ]
    assert {(row[4], row[5]) for row in mele} == {(f"{chc.code} {chc.title}", "")}


def test_the_report_by_offer_lists_only_credentials_from_offers(rto_user_client, register):
    _chc, from_offer, _testamur, _record = register

    response = rto_user_client.get("/reports/register/", {"group": "offer"})

    assert [c.pk for c in response.context["page_obj"].object_list] == [from_offer.pk]
