"""Importing learners from a spreadsheet: all or nothing, every problem listed, dry run first,
re-imports update the same learners."""

from datetime import date

import pytest

from testamur.core.models import Event
from testamur.interchange.models import ImportStatus
from testamur.interchange.spreadsheets.columns import NOT_A_DATE
from testamur.interchange.spreadsheets.learners import CLIENT_ID_REPEATED, NO_KEY
from testamur.learners.models import Learner, UsiStatus
from testamur.learners.services import USI_TAKEN
from testamur.learners.usi import USI_BAD_CHECK
from tests.factories import learner_make, make_usi
from tests.interchange.helpers import spreadsheet_import

pytestmark = pytest.mark.django_db

USI_MIA, USI_NOAH = make_usi(7001), make_usi(7002)
GOOD = (
    "Student ID,First name,Surname,DOB,USI,Email,Gender,State,Postcode\n"
    f"S001,Mia,Nguyen,14/07/1998,{USI_MIA},mia@example.com,Female,NSW,2150\n"
    f"S002,Noah,Smith,1985-03-02,{USI_NOAH},noah@example.com,M,VIC,3011\n"
    "S003,Salote,Tupou,,INTOFF,salote@example.org,F,,\n"
)


def problems(job) -> list[tuple]:
    return [(p["row"], p["column"], p["message"]) for p in job.errors]


def test_a_dry_run_checks_every_row_and_changes_nothing(rto_admin):
    job = spreadsheet_import("learners", "learners.csv", GOOD, commit=False, actor=rto_admin)

    assert job.status == ImportStatus.CHECKED
    assert job.dry_run
    assert job.rows_read == 3
    assert job.summary == {"Learners": {"created": 3, "updated": 0, "unchanged": 0}}
    assert not Learner.objects.exists()


def test_importing_creates_the_learners_with_their_usi_status(rto_admin):
    job = spreadsheet_import("learners", "learners.csv", GOOD, commit=True, actor=rto_admin)

    assert job.status == ImportStatus.IMPORTED, problems(job)
    mia = Learner.objects.get(client_id="S001")
    assert (mia.given_name, mia.family_name, mia.date_of_birth) == (
        "Mia",
        "Nguyen",
        date(1998, 7, 14),
    )
    assert (mia.usi, mia.usi_status, mia.gender, mia.state) == (
        USI_MIA,
        UsiStatus.NOT_VERIFIED,
        "F",
        "NSW",
    )
    salote = Learner.objects.get(client_id="S003")
    assert (salote.usi, salote.usi_status) == (None, UsiStatus.EXEMPTION_INTOFF)
    created = Event.objects.filter(subject_type="learner", action="created", learner_id=mia.pk)
    assert created.get().reason.endswith("learners.csv")
    assert created.get().actor == rto_admin


def test_importing_the_same_file_again_updates_instead_of_adding(rto_admin):
    spreadsheet_import("learners", "learners.csv", GOOD, commit=True, actor=rto_admin)
    changed = GOOD.replace("noah@example.com", "noah.smith@example.net")

    job = spreadsheet_import("learners", "learners.csv", changed, commit=True, actor=rto_admin)

    assert job.summary == {"Learners": {"created": 0, "updated": 1, "unchanged": 2}}
    assert Learner.objects.count() == 3
    assert Learner.objects.get(client_id="S002").email == "noah.smith@example.net"
    event = Event.objects.filter(subject_type="learner", action="updated").get()
    assert event.data == {"email": ["noah@example.com", "noah.smith@example.net"]}


def test_rows_without_a_learner_id_are_matched_on_their_usi(rto_admin):
    existing = learner_make(client_id="OLD1", usi=USI_MIA, given_name="Mia")
    csv = f"USI,Given name,Family name\n{USI_MIA},Mia,Nguyen-Tran\n{USI_NOAH},Noah,Smith\n"

    job = spreadsheet_import("learners", "learners.csv", csv, commit=True, actor=rto_admin)

    assert job.summary == {"Learners": {"created": 1, "updated": 1, "unchanged": 0}}
    existing.refresh_from_db()
    assert existing.family_name == "Nguyen-Tran"
    noah = Learner.objects.get(usi=USI_NOAH)
    assert noah.client_id.startswith("L")  # a generated learner ID


def test_one_bad_row_stops_everything_and_every_problem_is_listed(rto_admin):
    wrong_usi = USI_NOAH[:9] + ("2" if USI_NOAH[9] != "2" else "3")
    bad = (
        GOOD
        + f"S004,Ava,,31/02/2001,{wrong_usi},not-an-email,F,NSW,2150\n"
        + "S001,Mia,Again,,,,,,\n"
        + ",Nobody,Known,,,,,,\n"
    )

    job = spreadsheet_import("learners", "learners.csv", bad, commit=True, actor=rto_admin)

    assert job.status == ImportStatus.INVALID
    assert problems(job) == [
        (5, "DOB", NOT_A_DATE.format(value="31/02/2001")),
        (5, "Surname", "This field cannot be blank."),
        (5, "Email", "Enter a valid email address."),
        (5, "USI", USI_BAD_CHECK),
        (6, "Student ID", CLIENT_ID_REPEATED.format(client_id="S001", row=2)),
        (7, "Student ID", NO_KEY),
    ]
    assert job.error_count == 6
    assert not Learner.objects.exists()


def test_a_usi_belonging_to_another_learner_is_refused(rto_admin):
    other = learner_make(client_id="X9", usi=USI_MIA, given_name="Someone", family_name="Else")

    job = spreadsheet_import("learners", "learners.csv", GOOD, commit=True, actor=rto_admin)

    assert problems(job) == [
        (2, "USI", USI_TAKEN.format(client_id="X9", name=other.full_name)),
    ]
    assert Learner.objects.count() == 1


def test_only_the_first_thousand_problems_are_kept_but_all_are_counted(rto_admin):
    rows = "".join(f"B{n},Name,Family,not a date\n" for n in range(1200))
    csv = "Learner ID,Given name,Family name,Date of birth\n" + rows

    job = spreadsheet_import("learners", "learners.csv", csv, commit=False, actor=rto_admin)

    assert job.error_count == 1200
    assert len(job.errors) == 1000
    assert job.errors_not_shown == 200
    assert job.errors[0]["row"] == 2


def test_avetmiss_details_are_imported_by_code_or_name(rto_admin):
    from testamur.interchange.spreadsheets.columns import NOT_IN_CODE_LIST

    content = (
        "Student ID,First name,Surname,Language,Country of birth,Disability types,"
        "Prior achievements,Labour force status\n"
        'S001,Mia,Nguyen,Vietnamese,5105,"14, Hearing/deaf","514A, 008I",Part-time employee\n'
        "S002,Noah,Smith,1201,Australia,,,\n"
    )

    job = spreadsheet_import("learners", "learners.csv", content, commit=True, actor=rto_admin)

    assert job.status == ImportStatus.IMPORTED, job.errors
    mia = Learner.objects.get(client_id="S001")
    assert (mia.language_id, mia.country_of_birth_id, mia.labour_force_status_id) == (
        "6302",
        "5105",
        "02",
    )
    assert (mia.disability, sorted(t.code for t in mia.disability_types.all())) == (
        "Y",
        ["11", "14"],
    )
    assert sorted((p.achievement_id, p.recognition) for p in mia.prior_educations.all()) == [
        ("008", "I"),
        ("514", "A"),
    ]
    noah = Learner.objects.get(client_id="S002")
    assert (noah.language_id, noah.country_of_birth_id, noah.disability) == ("1201", "1101", "")

    bad = spreadsheet_import(
        "learners",
        "learners.csv",
        "Student ID,First name,Surname,Country of birth\nS003,Ann,Lee,Atlantis\n",
        commit=True,
        actor=rto_admin,
    )
    assert problems(bad) == [
        (2, "Country of birth", NOT_IN_CODE_LIST.format(value="Atlantis", list="country"))
    ]
