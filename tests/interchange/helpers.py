"""Shared set-up for import and export tests."""

import io
import zipfile
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile

from testamur.interchange.models import ImportJob
from testamur.interchange.services import (
    avetmiss_export,
    avetmiss_job_create,
    import_job_create,
    import_job_map,
    import_job_start,
)
from testamur.learners.models import Learner
from testamur.organisation.models import Organisation
from testamur.training.models import (
    Course,
    CourseEnrolment,
    CourseOffer,
    DeliveryLocation,
    Unit,
    UnitEnrolment,
)

EVERYTHING = (date(2000, 1, 1), date(2099, 12, 31))


def export_files(date_from=EVERYTHING[0], date_to=EVERYTHING[1], actor=None) -> dict[str, bytes]:
    """The NAT files of an export, by name; the export must have no problems."""
    out = io.BytesIO()
    result = avetmiss_export(actor=actor, date_from=date_from, date_to=date_to, out=out)
    assert not result.problems, result.problems.items
    with zipfile.ZipFile(out) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def zipped(files: dict[str, bytes | str], name: str = "nat.zip") -> SimpleUploadedFile:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for filename, content in files.items():
            archive.writestr(filename, content)
    return SimpleUploadedFile(name, out.getvalue(), content_type="application/zip")


def avetmiss_import(files: dict[str, bytes | str], *, commit: bool, actor=None) -> ImportJob:
    job = avetmiss_job_create(actor=actor, uploads=[zipped(files)])
    return import_job_start(job=job, commit=commit)


def empty_database() -> None:
    """Remove every training record and learner, and forget the RTO's identity.

    Qualification enrolments and packaging rules go first: AVETMISS files do not carry them.
    """
    from testamur.qualifications.models import PackagingRule, QualificationEnrolment

    QualificationEnrolment.objects.all().delete()
    PackagingRule.objects.all().delete()
    UnitEnrolment.objects.all().delete()
    CourseEnrolment.objects.all().delete()
    CourseOffer.objects.all().delete()
    for course in Course.objects.all():
        course.units.clear()
    Course.objects.all().delete()
    Unit.objects.all().delete()
    DeliveryLocation.objects.all().delete()
    Learner.objects.all().delete()
    Organisation.objects.all().delete()


def upload(name: str, content: bytes | str) -> SimpleUploadedFile:
    if isinstance(content, str):
        content = content.encode("utf-8")
    return SimpleUploadedFile(name, content)


def spreadsheet_import(
    kind: str, name: str, content, *, commit: bool, actor=None, mapping=None
) -> ImportJob:
    """Upload, match columns (automatically unless given), run; the job as it ended."""
    job = import_job_create(actor=actor, kind=kind, upload=upload(name, content))
    import_job_map(actor=actor, job=job, mapping=mapping or job.mapping, dry_run=not commit)
    return import_job_start(job=job, commit=commit)
