"""Importing AVETMISS NAT files: what a valid set creates, and every kind of bad input listed
per file and line with nothing imported."""

from datetime import date
from decimal import Decimal

import pytest

from testamur.interchange.avetmiss.fixed_width import LINE_LENGTH, NOT_A_DATE, NOT_A_NUMBER
from testamur.interchange.avetmiss.import_checks import (
    OTHER_RTO,
    UNKNOWN_CLIENT,
    UNKNOWN_LOCATION,
    UNKNOWN_OUTCOME,
    UNKNOWN_PROGRAM,
    UNKNOWN_SUBJECT,
)
from testamur.interchange.avetmiss.reading import NOT_TEXT_ENCODING, UTF16_FILE
from testamur.interchange.models import ImportStatus
from testamur.learners.models import Learner, UsiStatus
from testamur.learners.usi import USI_BAD_CHECK
from testamur.organisation.models import Organisation
from testamur.training.models import (
    Course,
    CourseEnrolment,
    CourseOffer,
    DeliveryLocation,
    EnrolmentStatus,
    Unit,
    UnitEnrolment,
)
from tests.factories import organisation_configured
from tests.interchange import nat_fixtures as nat
from tests.interchange.helpers import avetmiss_import


def nothing_imported() -> bool:
    models = (Learner, Unit, Course, DeliveryLocation, CourseOffer, CourseEnrolment)
    return all(not model.objects.exists() for model in models)


def problems(job) -> list[tuple]:
    return [(p["file"], p["row"], p["column"], p["message"]) for p in job.errors]


@pytest.fixture
def admin(rto_admin):
    return rto_admin


def test_a_valid_set_creates_the_rto_training_products_learners_and_results(admin):
    job = avetmiss_import(nat.nat_set(), commit=True, actor=admin)

    assert job.status == ImportStatus.IMPORTED, job.errors
    organisation = Organisation.load()
    assert (organisation.rto_code, organisation.legal_name) == (
        "41234",
        "Harbour City Training Pty Ltd",
    )
    assert DeliveryLocation.objects.get(code="PAR").name == "Parramatta Campus"
    course = Course.objects.get(code="BSB40120")
    assert (course.title, course.aqf_level, course.nominal_hours) == (
        "Certificate IV in Business",
        4,
        480,
    )
    assert Unit.objects.get(code="BSBWHS411").field_of_education == "080301"
    assert set(course.units.values_list("code", flat=True)) == {"BSBWHS411", "BSBXCM401"}

    mia = Learner.objects.get(client_id="C001")
    assert (mia.given_name, mia.middle_names, mia.family_name) == ("Mia", "Thi", "Nguyen")
    assert (mia.usi, mia.usi_status) == (nat.USI_C001, UsiStatus.NOT_VERIFIED)
    assert mia.date_of_birth == date(1998, 7, 14)
    assert (mia.phone, mia.email, mia.address_line) == (
        "0491 570 006",
        "mia.nguyen@example.com",
        "12 Church Street",
    )
    noah = Learner.objects.get(client_id="C002")
    assert (noah.usi, noah.usi_status) == (None, UsiStatus.EXEMPTION_INDIV)
    salote = Learner.objects.get(client_id="C003")
    assert (salote.usi_status, salote.state, salote.postcode, salote.date_of_birth) == (
        UsiStatus.EXEMPTION_INTOFF,
        "OVS",
        "",
        None,
    )

    noah_enrolment = CourseEnrolment.objects.get(learner=noah)
    assert noah_enrolment.status == EnrolmentStatus.WITHDRAWN
    unit = noah_enrolment.unit_enrolments.get()
    assert (unit.outcome.code, unit.training_organisation_outcome) == ("40", "TNC")
    assert unit.actual_hours == Decimal("8")

    salote_enrolment = CourseEnrolment.objects.get(learner=salote)
    assert salote_enrolment.status == EnrolmentStatus.COMPLETED
    assert salote_enrolment.completion_date == date(2026, 3, 20)
    assert salote_enrolment.qual_issued
    modes = dict(salote_enrolment.unit_enrolments.values_list("unit__code", "delivery_mode"))
    assert modes == {"BSBWHS411": "E", "BSBXCM401": "N"}

    offer = CourseEnrolment.objects.get(learner=mia).offer
    assert (offer.code, offer.location.code) == ("BSB40120-PAR-2026", "PAR")
    assert (offer.start_date, offer.end_date) == (date(2026, 2, 2), date(2027, 3, 26))
    assert CourseOffer.objects.count() == 1


def test_importing_the_same_files_again_updates_and_never_duplicates(admin):
    avetmiss_import(nat.nat_set(), commit=True, actor=admin)
    counts = [m.objects.count() for m in (Learner, CourseEnrolment, UnitEnrolment, CourseOffer)]
    activities = list(nat.ACTIVITIES)
    # Achieved since: its end date becomes the (past) day it was achieved.
    activities[1] = nat.changed(activities[1], outcome="20", end="20032026")

    job = avetmiss_import(nat.nat_set(NAT00120=activities), commit=True, actor=admin)

    assert job.status == ImportStatus.IMPORTED, job.errors
    assert [m.objects.count() for m in (Learner, CourseEnrolment, UnitEnrolment, CourseOffer)] == (
        counts
    )
    assert job.summary["Unit enrolments"] == {"created": 0, "updated": 1, "unchanged": 4}
    assert job.summary["Learners"]["created"] == 0
    result = UnitEnrolment.objects.get(
        course_enrolment__learner__client_id="C001", unit__code="BSBXCM401"
    )
    assert result.outcome.code == "20"


def test_a_dry_run_reports_what_would_change_and_changes_nothing(admin):
    job = avetmiss_import(nat.nat_set(), commit=False, actor=admin)

    assert job.status == ImportStatus.CHECKED
    assert job.summary["Learners"] == {"created": 3, "updated": 0, "unchanged": 0}
    assert job.summary["Unit enrolments"]["created"] == 5
    assert nothing_imported()


def _bad_line(job, file: str, line: int, column: str, message: str) -> None:
    assert job.status == ImportStatus.INVALID
    assert (file, line, column, message) in problems(job), problems(job)
    assert nothing_imported()


def test_a_line_of_the_wrong_length_is_reported(admin):
    files = nat.nat_set()
    lines = files["NAT00085.txt"].split("\r\n")
    lines[1] = lines[1].rstrip()  # an editor trimmed the trailing spaces
    files["NAT00085.txt"] = "\r\n".join(lines)

    job = avetmiss_import(files, commit=True, actor=admin)

    message = LINE_LENGTH.format(length=len(lines[1]), file="NAT00085", expected=557)
    assert len(lines[1]) < 557
    _bad_line(job, "NAT00085.txt", 2, "", message)


def test_a_non_numeric_number_is_reported_with_its_positions(admin):
    activities = [nat.changed(nat.ACTIVITIES[0], hours="4O  "), *nat.ACTIVITIES[1:]]

    job = avetmiss_import(nat.nat_set(NAT00120=activities), commit=True, actor=admin)

    _bad_line(job, "NAT00120.txt", 1, "Hours attended (140–143)", NOT_A_NUMBER.format(value="4O  "))


def test_an_unknown_outcome_code_is_reported(admin):
    activities = [*nat.ACTIVITIES[:2], nat.changed(nat.ACTIVITIES[2], outcome="99")]

    job = avetmiss_import(nat.nat_set(NAT00120=activities), commit=True, actor=admin)

    message = UNKNOWN_OUTCOME.format(code="99", jurisdiction="National (all states except WA)")
    _bad_line(job, "NAT00120.txt", 3, "Outcome identifier – national (72–73)", message)


def test_a_bad_date_is_reported(admin):
    clients = [nat.changed(nat.CLIENTS[0], dob="31021998"), *nat.CLIENTS[1:]]

    job = avetmiss_import(nat.nat_set(NAT00080=clients), commit=True, actor=admin)

    _bad_line(job, "NAT00080.txt", 1, "Date of birth (74–81)", NOT_A_DATE.format(value="31021998"))


def test_a_usi_failing_its_check_character_is_reported(admin):
    wrong = nat.USI_C001[:9] + ("2" if nat.USI_C001[9] != "2" else "3")
    clients = [nat.changed(nat.CLIENTS[0], usi=wrong), *nat.CLIENTS[1:]]

    job = avetmiss_import(nat.nat_set(NAT00080=clients), commit=True, actor=admin)

    _bad_line(job, "NAT00080.txt", 1, "Unique student identifier (150–159)", USI_BAD_CHECK)


@pytest.mark.parametrize(
    "field,value,column,message",
    [
        ("client", "C999", "Client identifier (21–30)", UNKNOWN_CLIENT),
        ("subject", "BSBNOPE999", "Subject identifier (31–42)", UNKNOWN_SUBJECT),
        ("program", "BSB99999", "Program identifier (43–52)", UNKNOWN_PROGRAM),
        (
            "location",
            "LIV",
            "Training organisation delivery location identifier (11–20)",
            UNKNOWN_LOCATION,
        ),
    ],
)
def test_references_to_records_nowhere_are_reported(admin, field, value, column, message):
    activities = [nat.changed(nat.ACTIVITIES[0], **{field: value}), *nat.ACTIVITIES[1:]]

    job = avetmiss_import(nat.nat_set(NAT00120=activities), commit=True, actor=admin)

    _bad_line(job, "NAT00120.txt", 1, column, message.format(code=value))


def test_references_to_records_testamur_already_has_are_fine(admin):
    avetmiss_import(nat.nat_set(), commit=True, actor=admin)

    job = avetmiss_import(
        nat.nat_set(NAT00020=[], NAT00030=[], NAT00060=[], NAT00080=[], NAT00085=[]),
        commit=True,
        actor=admin,
    )

    assert job.status == ImportStatus.IMPORTED, problems(job)


def test_every_problem_in_every_file_is_listed(admin):
    clients = [nat.changed(nat.CLIENTS[0], dob="00000000", gender="Q"), *nat.CLIENTS[1:]]
    activities = [
        nat.changed(nat.ACTIVITIES[0], outcome="9X"),
        nat.changed(nat.ACTIVITIES[1], start="2026-03-"),
        *nat.ACTIVITIES[2:],
    ]

    job = avetmiss_import(
        nat.nat_set(NAT00080=clients, NAT00120=activities), commit=True, actor=admin
    )

    where = {(p["file"], p["row"]) for p in job.errors}
    assert {("NAT00080.txt", 1), ("NAT00120.txt", 1), ("NAT00120.txt", 2)} <= where
    assert job.error_count == len(job.errors) >= 3
    assert nothing_imported()


def test_a_file_in_another_encoding_gets_one_clear_problem(admin):
    files = nat.nat_set()
    # Windows-1252 é in a name: not ASCII, not UTF-8.
    files["NAT00085.txt"] = files["NAT00085.txt"].replace("Noah", "Noé ").encode("cp1252")

    job = avetmiss_import(files, commit=True, actor=admin)

    message = NOT_TEXT_ENCODING.format(byte=0xE9, position=17)
    assert ("NAT00085.txt", 2, "", message) in problems(job)
    assert [p for p in problems(job) if p[0] == "NAT00085.txt"] == [
        ("NAT00085.txt", 2, "", message)
    ]
    assert nothing_imported()


def test_a_utf16_file_is_refused_clearly(admin):
    files = nat.nat_set()
    files["NAT00030.txt"] = files["NAT00030.txt"].encode("utf-16")

    job = avetmiss_import(files, commit=True, actor=admin)

    assert ("NAT00030.txt", None, "", UTF16_FILE) in problems(job)
    assert nothing_imported()


def test_files_of_another_rto_are_refused(admin):
    organisation_configured(rto_code="90001")

    job = avetmiss_import(nat.nat_set(), commit=True, actor=admin)

    message = OTHER_RTO.format(toid="41234", expected="90001")
    assert ("NAT00010.txt", 1, "Training organisation identifier (1–10)", message) in problems(job)
    assert not Learner.objects.exists()
    assert Organisation.load().rto_code == "90001"


def test_the_files_may_be_uploaded_one_by_one(admin):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from testamur.interchange.services import avetmiss_job_create, import_job_start

    uploads = [
        SimpleUploadedFile(name, content.encode("ascii")) for name, content in nat.nat_set().items()
    ]
    job = avetmiss_job_create(actor=admin, uploads=uploads)
    job = import_job_start(job=job, commit=True)

    assert job.status == ImportStatus.IMPORTED, problems(job)
    assert Learner.objects.count() == 3
