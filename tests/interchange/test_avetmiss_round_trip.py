"""Export the demo RTO as AVETMISS, import the files into an empty database, export again:
the files come back byte for byte."""

import pytest

from testamur.demo.seed import demo_seed
from testamur.interchange.models import ImportStatus
from testamur.training.models import CourseEnrolment, UnitEnrolment
from tests.interchange.helpers import avetmiss_import, empty_database, export_files


@pytest.fixture
def demo(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    demo_seed()


def test_demo_data_survives_an_export_and_import_byte_for_byte(demo, rto_admin):
    first = export_files()
    # Units a learner left before they started are training that never happened: not reported.
    never_started = UnitEnrolment.objects.filter(
        outcome__code="00", training_organisation_outcome="TNC"
    ).count()
    units = UnitEnrolment.objects.count() - never_started
    assert first["NAT00120.txt"].count(b"\r\n") == units > 3000
    assert first["NAT00130.txt"].count(b"\r\n") > 50
    assert first["NAT00090.txt"].count(b"\r\n") > 5
    assert first["NAT00100.txt"].count(b"\r\n") > 50

    empty_database()
    assert not CourseEnrolment.objects.exists()
    job = avetmiss_import(first, commit=True, actor=rto_admin)

    assert job.status == ImportStatus.IMPORTED, (job.message, job.errors[:5])
    assert UnitEnrolment.objects.count() == units
    second = export_files()
    for name in first:
        assert second[name] == first[name], name
