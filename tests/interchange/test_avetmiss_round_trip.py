"""Export the demo RTO as AVETMISS, import the files into an empty database, export again:
the files come back byte for byte."""

import pytest

from testamur.core.demo.seed import demo_seed
from testamur.interchange.models import ImportStatus
from testamur.learners.models import Learner
from testamur.training.models import CourseEnrolment, UnitEnrolment
from tests.interchange.helpers import avetmiss_import, empty_database, export_files


@pytest.fixture
def demo(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    demo_seed()


def test_demo_data_survives_an_export_and_import_byte_for_byte(demo):
    first = export_files()
    counts = (
        Learner.objects.count(),
        CourseEnrolment.objects.count(),
        UnitEnrolment.objects.count(),
    )

    empty_database()
    job = avetmiss_import(first, commit=True)

    assert job.status == ImportStatus.IMPORTED, (job.message, job.errors[:5])
    assert export_files() == first
    print(
        counts,
        Learner.objects.count(),
        CourseEnrolment.objects.count(),
        UnitEnrolment.objects.count(),
    )
