"""Importing course enrolments and unit enrolments (results) from spreadsheets."""

from datetime import date
from decimal import Decimal

import pytest

from testamur.interchange.models import ImportStatus
from testamur.interchange.spreadsheets.course_enrolments import (
    COURSE_UNKNOWN,
    OFFER_NEEDS_DATES,
    OFFER_OF_OTHER_COURSE,
)
from testamur.interchange.spreadsheets.lookups import LEARNER_UNKNOWN
from testamur.interchange.spreadsheets.unit_enrolments import NOT_ENROLLED, OUTCOME_UNKNOWN
from testamur.training.models import CourseEnrolment, CourseOffer, EnrolmentStatus, UnitEnrolment
from testamur.training.services import UNIT_ENROLMENT_ENDS_BEFORE_START
from tests.factories import (
    course_make,
    enrolment_make,
    learner_make,
    location_make,
    offer_make,
    organisation_configured,
    unit_make,
)
from tests.interchange.helpers import spreadsheet_import

pytestmark = pytest.mark.django_db


def problems(job) -> list[tuple]:
    return [(p["row"], p["column"], p["message"]) for p in job.errors]


@pytest.fixture
def setting(db):
    organisation_configured()
    units = [unit_make("BSBWHS411"), unit_make("BSBXCM401")]
    course = course_make("BSB40120", units=units, aqf_level=4)
    location_make(code="PAR")
    learner_make(client_id="S001")
    learner_make(client_id="S002")
    return course


ENROLMENTS = (
    "Learner ID,Course code,Offer code,Offer start date,Offer end date,Delivery location ID,"
    "Status,Commencement date\n"
    "S001,BSB40120,BSB-2026-T1,02/02/2026,27/11/2026,PAR,Active,02/02/2026\n"
    "S002,BSB40120,BSB-2026-T1,02/02/2026,27/11/2026,PAR,Withdrawn,09/02/2026\n"
)


def test_enrolments_are_imported_into_an_offer_made_from_the_rows(setting, rto_admin):
    job = spreadsheet_import(
        "course_enrolments", "enrolments.csv", ENROLMENTS, commit=True, actor=rto_admin
    )

    assert job.status == ImportStatus.IMPORTED, problems(job)
    offer = CourseOffer.objects.get(code="BSB-2026-T1")
    assert (offer.course, offer.location.code, offer.start_date) == (
        setting,
        "PAR",
        date(2026, 2, 2),
    )
    withdrawn = CourseEnrolment.objects.get(learner__client_id="S002")
    assert (withdrawn.status, withdrawn.commencement_date) == (
        EnrolmentStatus.WITHDRAWN,
        date(2026, 2, 9),
    )


def test_re_importing_enrolments_updates_them(setting, rto_admin):
    spreadsheet_import(
        "course_enrolments", "enrolments.csv", ENROLMENTS, commit=True, actor=rto_admin
    )
    completed = ENROLMENTS.replace(
        "S001,BSB40120,BSB-2026-T1,02/02/2026,27/11/2026,PAR,Active",
        "S001,BSB40120,BSB-2026-T1,02/02/2026,27/11/2026,PAR,Completed",
    )

    job = spreadsheet_import(
        "course_enrolments", "enrolments.csv", completed, commit=True, actor=rto_admin
    )

    assert job.summary == {"Course enrolments": {"created": 0, "updated": 1, "unchanged": 1}}
    assert CourseEnrolment.objects.count() == 2
    assert CourseEnrolment.objects.get(learner__client_id="S001").status == "completed"


def test_enrolment_rows_that_cannot_be_matched_are_listed(setting, rto_admin):
    offer_make(course_make("CHC33021"), code="CHC-2026")
    csv = (
        "Learner ID,Course code,Offer code,Offer start date,Offer end date\n"
        "S404,BSB40120,BSB-2026-T1,02/02/2026,27/11/2026\n"
        "S001,BSB99999,BSB-2026-T1,02/02/2026,27/11/2026\n"
        "S001,BSB40120,CHC-2026,,\n"
        "S002,BSB40120,BSB-NEW,,\n"
    )

    job = spreadsheet_import("course_enrolments", "e.csv", csv, commit=True, actor=rto_admin)

    assert problems(job) == [
        (2, "Learner ID", LEARNER_UNKNOWN.format(client_id="S404")),
        (3, "Course code", COURSE_UNKNOWN.format(code="BSB99999")),
        (
            4,
            "Course code",
            OFFER_OF_OTHER_COURSE.format(offer="CHC-2026", actual="CHC33021", given="BSB40120"),
        ),
        (5, "Offer code", OFFER_NEEDS_DATES.format(offer="BSB-NEW")),
    ]
    assert not CourseEnrolment.objects.exists()
    assert not CourseOffer.objects.filter(code="BSB-2026-T1").exists()


@pytest.fixture
def enrolled(setting):
    offer = offer_make(setting, code="BSB-2026-T1")
    return enrolment_make(learner=learner_make(client_id="S010"), offer=offer)


RESULTS = (
    "Learner ID,Offer code,Unit code,Start date,End date,Actual hours,Outcome code,Delivery mode\n"
    "S010,BSB-2026-T1,BSBWHS411,02/02/2026,27/02/2026,38.5,20,Classroom\n"
    "S010,BSB-2026-T1,BSBXCM401,02/03/2026,27/03/2026,12,70,Online\n"
)


def test_results_update_the_unit_enrolments(enrolled, rto_admin):
    job = spreadsheet_import(
        "unit_enrolments", "results.csv", RESULTS, commit=True, actor=rto_admin
    )

    assert job.status == ImportStatus.IMPORTED, problems(job)
    assert job.summary == {"Unit enrolments": {"created": 0, "updated": 2, "unchanged": 0}}
    whs = UnitEnrolment.objects.get(course_enrolment=enrolled, unit__code="BSBWHS411")
    assert (whs.outcome.code, whs.actual_hours, whs.end_date, whs.delivery_mode) == (
        "20",
        Decimal("38.5"),
        date(2026, 2, 27),
        "I",
    )
    assert UnitEnrolment.objects.count() == 2

    again = spreadsheet_import(
        "unit_enrolments", "results.csv", RESULTS, commit=True, actor=rto_admin
    )
    assert again.summary == {"Unit enrolments": {"created": 0, "updated": 0, "unchanged": 2}}


def test_a_unit_not_yet_in_the_enrolment_is_added(enrolled, rto_admin):
    unit_make("HLTAID011")
    csv = "Learner ID,Offer code,Unit code,Outcome code\nS010,BSB-2026-T1,HLTAID011,60\n"

    job = spreadsheet_import("unit_enrolments", "results.csv", csv, commit=True, actor=rto_admin)

    assert job.summary == {"Unit enrolments": {"created": 1, "updated": 0, "unchanged": 0}}
    added = UnitEnrolment.objects.get(unit__code="HLTAID011")
    assert (added.course_enrolment, added.outcome.code) == (enrolled, "60")


def test_bad_results_are_listed_and_nothing_changes(enrolled, rto_admin):
    learner_make(client_id="S011")
    csv = (
        "Learner ID,Offer code,Unit code,Start date,End date,Outcome code\n"
        "S010,BSB-2026-T1,BSBWHS411,02/02/2026,27/02/2026,99\n"
        "S011,BSB-2026-T1,BSBWHS411,02/02/2026,27/02/2026,20\n"
        "S010,BSB-2026-T1,BSBXCM401,27/03/2026,02/03/2026,20\n"
    )

    job = spreadsheet_import("unit_enrolments", "results.csv", csv, commit=True, actor=rto_admin)

    assert problems(job) == [
        (
            2,
            "Outcome code",
            OUTCOME_UNKNOWN.format(code="99", jurisdiction="National (all states except WA)"),
        ),
        (3, "Offer code", NOT_ENROLLED.format(offer="BSB-2026-T1")),
        (4, "End date", UNIT_ENROLMENT_ENDS_BEFORE_START),
    ]
    assert set(UnitEnrolment.objects.values_list("outcome__code", flat=True)) == {"70"}
