"""A collection period's NAT00120 says what was true at the period's end: continuing (70) for
activity running past it, not yet started (85) only for a start still to come, never 00, and
the same file however often the period is exported again."""

import io
import zipfile
from datetime import date, timedelta
from decimal import Decimal

import pytest

from testamur.interchange.avetmiss.collection import (
    DUE_TO_END_IN_PERIOD,
    ENDED_WITHOUT_OUTCOME,
    NOT_STARTED_BUT_DATES_PASSED,
    NSW_SMART_AND_SKILLED,
)
from testamur.interchange.avetmiss.export import avetmiss_files
from testamur.training.models import UnitEnrolment
from tests.factories import (
    course_make,
    enrolment_make,
    learner_make,
    location_make,
    offer_make,
    organisation_configured,
    outcome,
    unit_make,
)

pytestmark = pytest.mark.django_db

YEAR_2025 = (date(2025, 1, 1), date(2025, 12, 31))
YEAR_2026 = (date(2026, 1, 1), date(2026, 12, 31))


def export(period, *, today, rules=None):
    out = io.BytesIO()
    extra = {"rules": rules} if rules else {}
    result = avetmiss_files(date_from=period[0], date_to=period[1], out=out, today=today, **extra)
    assert not result.problems, result.problems.items
    with zipfile.ZipFile(out) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    return files, result


def activity(files) -> dict[str, tuple[str, str, str, str, str, str]]:
    """Unit code → (outcome, start, end, training-organisation outcome, commencing, hours)."""
    lines = files["NAT00120.txt"].decode("ascii").split("\r\n")[:-1]
    return {
        line[30:42].strip(): (
            line[71:73],
            line[52:60],
            line[60:68],
            line[111:114].strip(),
            line[75],
            line[139:143],
        )
        for line in lines
    }


def messages(result) -> list[tuple[str, str, str]]:
    return [(f.severity, f.rule, f.message) for f in result.report.findings]


@pytest.fixture
def enrolment():
    """Units across the turn of 2025 into 2026, at a delivery location."""
    organisation_configured()
    units = [unit_make(code) for code in ("AAA001", "BBB002", "CCC003", "DDD004")]
    offer = offer_make(
        course_make("BSB40120", units=units),
        start_date=date(2025, 9, 1),
        end_date=date(2026, 6, 30),
        location=location_make(code="PAR"),
    )
    enrolment = enrolment_make(learner=learner_make(client_id="C001"), offer=offer)
    dates = {
        "AAA001": (date(2025, 9, 1), date(2025, 10, 31), "20"),
        "BBB002": (date(2025, 11, 3), date(2026, 1, 30), "70"),
        "CCC003": (date(2025, 12, 1), date(2026, 3, 27), "00"),
        "DDD004": (date(2026, 4, 6), date(2026, 6, 26), "85"),
    }
    for unit_enrolment in enrolment.unit_enrolments.select_related("unit"):
        start, end, code = dates[unit_enrolment.unit.code]
        unit_enrolment.start_date, unit_enrolment.end_date = start, end
        unit_enrolment.outcome = outcome(code)
        unit_enrolment.actual_hours = Decimal(12)
        unit_enrolment.save()
    return enrolment


def _set(enrolment, code, **values):
    unit_enrolment = enrolment.unit_enrolments.get(unit__code=code)
    for name, value in values.items():
        setattr(unit_enrolment, name, outcome(value) if name == "outcome" else value)
    unit_enrolment.save()


def test_activity_running_past_the_period_end_is_continuing(enrolment):
    files, result = export(YEAR_2025, today=date(2026, 2, 10))

    reported = activity(files)
    assert reported["AAA001"][0] == "20"
    # Running into 2026: continuing, with its planned end, and no hours before it ends.
    assert reported["BBB002"][:3] == ("70", "03112025", "30012026")
    assert reported["CCC003"][0] == "70"  # "not set" in Testamur: never 00 in the file
    assert reported["BBB002"][5] == "0000"
    assert "DDD004" not in reported  # starts in a later collection period
    assert not result.report.total


def test_a_finished_period_exported_again_gives_the_same_file(enrolment, rto_admin):
    first, _ = export(YEAR_2025, today=date(2026, 1, 5))

    # Results recorded in 2026 for the units that ran over the new year.
    _set(enrolment, "BBB002", outcome="20")
    _set(enrolment, "CCC003", outcome="30", actual_hours=Decimal(40))
    again, _ = export(YEAR_2025, today=date(2026, 4, 1))

    assert again == first
    later = activity(export(YEAR_2026, today=date(2026, 4, 1))[0])
    assert later["BBB002"][:3] == ("20", "03112025", "30012026")
    assert (later["CCC003"][0], later["CCC003"][5]) == ("30", "0040")


def test_a_withdrawal_after_the_period_leaves_it_continuing(enrolment, rto_admin):
    from testamur.training.finalisation.plans import Finalisation
    from testamur.training.finalisation.services import enrolments_finalise

    _set(enrolment, "BBB002", outcome="20")
    enrolments_finalise(
        enrolments=[enrolment],
        finalisation=Finalisation(
            status="withdrawn",
            status_reason="Moved interstate",
            withdrawal_date=date(2026, 2, 20),
        ),
        actor=rto_admin,
    )

    earlier = activity(export(YEAR_2025, today=date(2026, 3, 1))[0])
    # At the end of 2025 nobody had left: continuing, no TNC (the new end date is the one known).
    assert earlier["CCC003"][:4] == ("70", "01122025", "20022026", "")
    later = activity(export(YEAR_2026, today=date(2026, 3, 1))[0])
    assert later["CCC003"][:4] == ("40", "01122025", "20022026", "TNC")
    # DDD004 had not started when the learner left: no training happened, nothing reported.
    assert "DDD004" not in later


def test_no_line_carries_00(enrolment):
    cancelled = enrolment_make(
        learner=learner_make(client_id="C002"),
        offer=enrolment.offer,
        outcomes={code: "00" for code in ("AAA001", "BBB002", "CCC003", "DDD004")},
    )
    cancelled.unit_enrolments.update(training_organisation_outcome="TNC")

    files, _ = export((date(2020, 1, 1), date(2030, 12, 31)), today=date(2026, 2, 10))

    lines = files["NAT00120.txt"].decode("ascii").split("\r\n")[:-1]
    assert {line[71:73] for line in lines} <= {"20", "70", "85"}
    assert {line[20:30].strip() for line in lines} == {"C001"}  # C002 never started anything


def test_continuing_only_while_it_is_true(enrolment):
    # The period is over and BBB002 ended inside it with no result: NCVER refuses 70 there.
    _set(enrolment, "BBB002", end_date=date(2025, 12, 12))
    files, result = export(YEAR_2025, today=date(2026, 2, 10))

    assert activity(files)["BBB002"][0] == "70"
    message = ENDED_WITHOUT_OUTCOME.format(unit="BBB002", end="12/12/2025", outcome="70")
    assert ("error", "3252", message) in messages(result)
    (finding,) = [f for f in result.report.findings if f.rule == "3252"]
    assert (finding.file, finding.line, finding.field) == (
        "NAT00120",
        2,
        "Outcome identifier – national (72–73)",
    )
    assert finding.link == f"/training/enrolments/{enrolment.pk}/"


def test_an_interim_file_warns_of_continuing_activity_due_inside_the_period(enrolment):
    _set(enrolment, "BBB002", outcome="20")
    files, result = export(YEAR_2026, today=date(2026, 2, 10))

    assert activity(files)["CCC003"][0] == "70"
    message = DUE_TO_END_IN_PERIOD.format(unit="CCC003", end="27/03/2026")
    assert ("warning", "3252-DUE", message) in messages(result)
    assert not result.report.errors


def test_not_yet_started_only_for_a_start_still_to_come(enrolment):
    files, _ = export(YEAR_2026, today=date(2026, 2, 10))
    assert activity(files)["DDD004"][:3] == ("85", "06042026", "26062026")

    # Its start passed and nobody recorded that it started: reported by its dates, with a word.
    files, result = export(YEAR_2026, today=date(2026, 4, 20))
    assert activity(files)["DDD004"][0] == "70"
    message = NOT_STARTED_BUT_DATES_PASSED.format(unit="DDD004", start="06/04/2026")
    assert ("warning", "85-STARTED", message) in messages(result)


def test_nsw_smart_and_skilled_reports_the_training_plan(enrolment):
    national, _ = export(YEAR_2025, today=date(2026, 2, 10))
    plan, _ = export(YEAR_2025, today=date(2026, 2, 10), rules=NSW_SMART_AND_SKILLED)

    assert "DDD004" not in activity(national)
    assert activity(plan)["DDD004"][:3] == ("85", "06042026", "26062026")


def test_a_deferred_learner_s_units_are_not_yet_started_with_d(enrolment, rto_admin):
    from testamur.training.finalisation.plans import Finalisation
    from testamur.training.finalisation.services import enrolments_finalise

    today = date.today()
    resume = (today + timedelta(days=60), today + timedelta(days=200))
    enrolments_finalise(
        enrolments=[enrolment],
        finalisation=Finalisation(
            status="deferred",
            status_reason="Caring for a family member",
            resume_start_date=resume[0],
            resume_end_date=resume[1],
        ),
        actor=rto_admin,
    )
    files, result = export((date(2025, 1, 1), today + timedelta(days=365)), today=today)

    reported = activity(files)
    assert reported["AAA001"][0] == "20"  # finished before the deferral: kept
    later = [reported[code] for code in ("BBB002", "CCC003", "DDD004")]
    assert {(line[0], line[1], line[3]) for line in later} == {
        ("85", resume[0].strftime("%d%m%Y"), "D")
    }
    assert not result.report.errors


def test_the_commencing_program_identifier_follows_the_period(enrolment):
    files_2025, _ = export(YEAR_2025, today=date(2026, 2, 10))
    files_2026, _ = export(YEAR_2026, today=date(2026, 2, 10))

    assert activity(files_2025)["BBB002"][4] == "3"  # commenced in 2025
    assert activity(files_2026)["BBB002"][4] == "4"  # continuing from a previous year
    assert UnitEnrolment.objects.count() == 4
