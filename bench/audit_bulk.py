"""Bulk qualification audit: N enrolments in a qualification with majors, ~20 units each.

Makes a fresh database (PostgreSQL when DATABASE_URL points at one, else a temporary SQLite
file), loads N learners with demo-like results in bulk (not measured), then times one
`qualification_enrolments_audit` of all N and counts the queries it issued. Prints one JSON
object; asserts nothing about time.

    .venv/bin/python bench/audit_bulk.py --n 10000
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import database_url, migrate  # noqa: E402

CORE = [f"CHCCOR{n:03d}" for n in range(9)]
AGEING = ["CHCAGE011", "CHCAGE013", "CHCPAL003"]
DISABILITY = ["CHCDIS011", "CHCDIS012", "CHCDIS020"]
OTHER = ["CHCDIV002", "CHCMHS001", "HLTAID011", "HLTHPS006"]
ELSEWHERE = [f"BSBELS{n:03d}" for n in range(6)]


def _results(i: int) -> list[tuple[str, str]]:
    """About 20 unit outcomes, varied so every audit outcome occurs."""
    electives = (AGEING, DISABILITY, AGEING + DISABILITY, AGEING[:2])[i % 4]
    codes = CORE + electives + OTHER[: 6 - len(electives) % 6] + ELSEWHERE[: i % 4]
    outcomes = ["20", "20", "20", "51", "60", "20", "70"]
    return [
        (code, outcomes[(i + n) % len(outcomes)] if i % 5 == 0 else "20")
        for n, code in enumerate(codes)
    ]


def load(n: int):
    from datetime import date

    from testamur.learners.models import Learner
    from testamur.qualifications.models import QualificationEnrolment
    from testamur.qualifications.services import (
        elective_group_save,
        major_save,
        packaging_rule_save,
    )
    from testamur.training.models import (
        Course,
        CourseEnrolment,
        CourseOffer,
        OutcomeCode,
        Unit,
        UnitEnrolment,
    )

    units = {
        unit.code: unit
        for unit in Unit.objects.bulk_create(
            Unit(code=code, title=f"Unit {code}", nominal_hours=40)
            for code in CORE + AGEING + DISABILITY + OTHER + ELSEWHERE
        )
    }
    qualification = Course.objects.create(code="CHC33021", title="Individual Support", aqf_level=3)
    rule = packaging_rule_save(
        actor=None,
        qualification=qualification,
        units_required=15,
        imported_electives_limit=1,
        core_units=[units[c] for c in CORE],
    )
    elective_group_save(
        actor=None,
        rule=rule,
        key="AB",
        name="Ageing or Disability",
        at_least=3,
        units=[units[c] for c in AGEING + DISABILITY],
    )
    elective_group_save(
        actor=None, rule=rule, key="C", name="Other", at_least=0, units=[units[c] for c in OTHER]
    )
    majors = [
        major_save(actor=None, rule=rule, name=name, core_units=[units[c] for c in codes])
        for name, codes in (
            ("Ageing", AGEING),
            ("Disability", DISABILITY),
            ("Ageing and Disability", AGEING + DISABILITY),
        )
    ]
    offer = CourseOffer.objects.create(
        course=qualification,
        code="BENCH-1",
        start_date=date(2026, 1, 5),
        end_date=date(2026, 11, 1),
    )
    outcomes = {o.code: o for o in OutcomeCode.objects.filter(jurisdiction="national")}
    learners = Learner.objects.bulk_create(
        (Learner(client_id=f"B{i:07d}", given_name="Bench", family_name=f"L{i}") for i in range(n)),
        batch_size=2000,
    )
    enrolments = CourseEnrolment.objects.bulk_create(
        (CourseEnrolment(learner=learner, offer=offer) for learner in learners), batch_size=2000
    )
    UnitEnrolment.objects.bulk_create(
        (
            UnitEnrolment(course_enrolment=e, unit=units[code], outcome=outcomes[result])
            for i, e in enumerate(enrolments)
            for code, result in _results(i)
        ),
        batch_size=5000,
    )
    QualificationEnrolment.objects.bulk_create(
        (
            QualificationEnrolment(
                learner=learner, qualification=qualification, major=majors[i % 3]
            )
            for i, learner in enumerate(learners)
        ),
        batch_size=2000,
    )
    return UnitEnrolment.objects.count()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="testamur-bench-"))
    env = {
        **os.environ,
        "DATABASE_URL": database_url(tmp, "testamur_bench_audit"),
        "MEDIA_ROOT": str(tmp / "media"),
        "DEBUG": "1",
        "LOG_LEVEL": "ERROR",
    }
    os.environ.update(env)
    migrate(env)

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "testamur.settings")
    django.setup()
    from collections import Counter

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from testamur.qualifications.models import QualificationEnrolment
    from testamur.qualifications.services import qualification_enrolments_audit

    unit_enrolments = load(args.n)
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        tally = qualification_enrolments_audit(
            actor=None, enrolments=QualificationEnrolment.objects.all()
        )
    elapsed = time.perf_counter() - started
    print(
        json.dumps(
            {
                "bench": "audit_bulk",
                "n": args.n,
                "unit_enrolments": unit_enrolments,
                "database": env["DATABASE_URL"].split(":")[0],
                "audited": tally.audited,
                "outcomes": dict(Counter(tally.outcomes)),
                "seconds": round(elapsed, 2),
                "enrolments_per_s": round(tally.audited / elapsed, 1),
                "queries": len(captured.captured_queries),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
