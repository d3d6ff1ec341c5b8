"""`manage.py seed_demo` loads the demo RTO; running it again adds nothing and keeps the logins."""

import io
import stat

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from testamur.accounts.models import User
from testamur.accounts.roles import Role
from testamur.core.models import Event
from testamur.demo.seed import LOGINS_FILENAME
from testamur.demo.training_products import CHC33021, PRODUCTS, UNITS
from testamur.learners.models import EXEMPT_STATUSES, Learner, UsiStatus
from testamur.learners.usi import is_valid_usi
from testamur.organisation.models import Organisation, Signatory
from testamur.organisation.selectors import organisation_placeholder_logos
from testamur.training.models import (
    Course,
    CourseEnrolment,
    CourseOffer,
    EnrolmentStatus,
    Unit,
    UnitEnrolment,
)


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    return settings.VAR_DIR


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    models = (Learner, Course, Unit, CourseOffer, CourseEnrolment, UnitEnrolment, Signatory)
    return {model.__name__: model.objects.count() for model in models}


def read_logins(var_dir) -> dict[str, str]:
    lines = (var_dir / LOGINS_FILENAME).read_text().splitlines()
    return {line.split()[0]: line.split()[1] for line in lines if line and not line.startswith("#")}


@pytest.fixture
def seeded(db, var_dir) -> str:
    return seed()


def test_running_it_twice_adds_nothing(seeded):
    first = counts()
    seed()
    assert counts() == first
    assert first["Learner"] == 300
    assert first["Course"] >= 4
    assert first["CourseOffer"] == 8
    assert first["CourseEnrolment"] >= 300
    assert first["UnitEnrolment"] > 3000


def test_real_qualifications_hold_all_their_units(seeded):
    codes = set(Course.objects.values_list("code", flat=True))
    assert {"BSB40120", "CHC33021", "SIT30821", "SITSS00069"} <= codes
    assert Course.objects.get(code="SITSS00069").course_type == "skill_set"
    assert Unit.objects.get(code="BSBWHS411").title == (
        "Implement and monitor WHS policies, procedures and programs"
    )
    for product in PRODUCTS:
        course = Course.objects.get(code=product.code)
        assert set(course.units.values_list("code", flat=True)) == set(product.unit_codes)
        assert len(product.core) + product.electives_required == product.units_required
    assert not Unit.objects.filter(nominal_hours=0).exists()
    assert set(Unit.objects.values_list("code", flat=True)) == set(UNITS)
    # The majors name elective groups whose units the course offers.
    chc_units = set(Course.objects.get(code="CHC33021").units.values_list("code", flat=True))
    for groups in CHC33021.majors.values():
        for key in groups:
            assert set(CHC33021.group(key).units) <= chc_units


def test_every_usi_is_valid_and_exempt_learners_have_none(seeded):
    usis = list(Learner.objects.exclude(usi=None).values_list("usi", flat=True))
    assert usis and all(is_valid_usi(usi) for usi in usis)
    exempt = Learner.objects.filter(usi_status__in=EXEMPT_STATUSES)
    assert exempt.filter(usi_status=UsiStatus.EXEMPTION_INDIV).exists()
    assert exempt.filter(usi_status=UsiStatus.EXEMPTION_INTOFF).exists()
    assert not exempt.exclude(usi=None).exists()
    verified = Learner.objects.filter(usi_status=UsiStatus.VERIFIED)
    assert 0.7 < verified.count() / Learner.objects.count() < 0.8
    assert not verified.filter(usi_verified_on=None).exists()
    assert Learner.objects.filter(usi_status=UsiStatus.NOT_SUPPLIED, usi=None).exists()
    assert Learner.objects.filter(is_active=False).exists()
    assert Learner.objects.filter(privacy_flag=True).exists()
    assert Learner.objects.exclude(special_requirements="").exists()


def test_enrolment_outcomes_match_their_status(seeded):
    statuses = set(CourseEnrolment.objects.values_list("status", flat=True))
    assert {
        EnrolmentStatus.COMPLETED,
        EnrolmentStatus.WITHDRAWN,
        EnrolmentStatus.ACTIVE,
        EnrolmentStatus.DEFERRED,
        EnrolmentStatus.PARTIAL_ATTENDANCE,
    } <= statuses

    completed = UnitEnrolment.objects.filter(course_enrolment__status=EnrolmentStatus.COMPLETED)
    assert not completed.filter(outcome__is_achieved=False).exists()
    assert {"20", "51", "60"} <= set(completed.values_list("outcome__code", flat=True))
    assert not CourseEnrolment.objects.filter(
        status=EnrolmentStatus.COMPLETED, completion_date=None
    ).exists()

    withdrawn = UnitEnrolment.objects.filter(course_enrolment__status=EnrolmentStatus.WITHDRAWN)
    assert set(withdrawn.values_list("outcome__code", flat=True)) == {"40", "00"}
    assert not withdrawn.filter(outcome__code="00").exclude(actual_hours=0).exists()
    assert not CourseEnrolment.objects.filter(
        status=EnrolmentStatus.WITHDRAWN, status_reason=""
    ).exists()

    deferred = UnitEnrolment.objects.filter(course_enrolment__status=EnrolmentStatus.DEFERRED)
    assert set(deferred.values_list("outcome__code", flat=True)) == {"00"}
    assert not deferred.filter(start_date__lte=timezone.localdate()).exists()

    partial = UnitEnrolment.objects.filter(
        course_enrolment__status=EnrolmentStatus.PARTIAL_ATTENDANCE
    )
    assert {"20", "30"} <= set(partial.values_list("outcome__code", flat=True))

    today = timezone.localdate()
    assert CourseOffer.objects.filter(end_date__lt=today).exists()
    assert CourseOffer.objects.filter(start_date__lte=today, end_date__gte=today).exists()
    assert CourseOffer.objects.filter(start_date__gt=today).exists()


def test_the_demo_organisation_is_ready_to_issue(seeded):
    organisation = Organisation.load()
    assert organisation.legal_name == "Harbour City Training Pty Ltd"
    assert organisation.rto_code == "41234"
    assert organisation.credential_number(1) == "HCT-000001"
    assert organisation.logo and organisation.logo.storage.exists(organisation.logo.name)
    assert Signatory.objects.filter(is_active=True).exists()
    # Stand-ins for the official NRT and AQF artwork: the demo's testamurs can be issued.
    assert organisation_placeholder_logos(organisation) == []


def test_no_demo_unit_is_achieved_after_today(seeded):
    assert not UnitEnrolment.objects.filter(
        outcome__is_achieved=True, end_date__gt=timezone.localdate()
    ).exists()


def test_each_role_can_sign_in_with_the_printed_logins(seeded, var_dir):
    path = var_dir / LOGINS_FILENAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    logins = read_logins(var_dir)
    assert set(logins) == {"owner", "admin", "user"}
    roles = {"owner": Role.OWNER, "admin": Role.ADMIN, "user": Role.USER}
    for username, password in logins.items():
        assert username in seeded and password in seeded
        assert Client().login(username=username, password=password)
        assert User.objects.get(username=username).role == roles[username]
    assert "http://127.0.0.1:8000/" in seeded


def test_a_second_run_reuses_the_logins_and_resets_changed_passwords(seeded, var_dir):
    logins = read_logins(var_dir)
    admin = User.objects.get(username="admin")
    admin.set_password("changed-by-someone")
    admin.save()

    seed()

    assert read_logins(var_dir) == logins
    assert Client().login(username="admin", password=logins["admin"])


def test_each_run_records_one_summary_event(seeded):
    before = Event.objects.count()
    seed()
    assert Event.objects.count() == before + 1
    event = Event.objects.last()
    assert event.action == "demo_seeded"
    assert event.data["totals"]["learners"] == 300
    assert sum(event.data["created"].values()) == 0
