"""Reads for the import pages."""

from itertools import islice

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from testamur.interchange.models import ImportJob
from testamur.interchange.reading import Sheet, cell_text
from testamur.interchange.services import local_path

SAMPLE_ROWS = 3


def import_job_list() -> QuerySet[ImportJob]:
    return ImportJob.objects.select_related("created_by").order_by("-created_at", "-id")


def import_job_samples(job: ImportJob) -> dict[str, list[str]]:
    """The first few values of each column, to help a person match the columns."""
    samples: dict[str, list[str]] = {header: [] for header in job.headers}
    if not job.file:
        return samples
    try:
        with local_path(job.file) as path:
            for row in islice(Sheet(path, job.file_format, job.encoding).rows(), SAMPLE_ROWS):
                for header, value in zip(job.headers, row.values, strict=False):
                    if cell_text(value):
                        samples[header].append(cell_text(value))
    except (ValidationError, OSError):
        pass  # the samples only help; the check reports what is wrong with the file
    return samples
