"""An uploaded import file holds personal data (USIs, dates of birth): it is deleted when the
import is done or has failed, and one never finished goes IMPORT_FILES_KEPT_HOURS later."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from testamur.interchange.models import ImportJob, ImportStatus
from testamur.interchange.services import FILE_GONE, import_job_create, import_job_start
from tests.interchange.helpers import spreadsheet_import, upload

pytestmark = pytest.mark.django_db

LEARNERS = "Learner ID,Given name,Family name,Date of birth,USI\nC1,Ann,Lee,01/02/2000,BNGH7C75FN\n"


def _stored(settings) -> list:
    folder = settings.MEDIA_ROOT / "imports"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_the_file_is_deleted_once_imported_and_the_report_stays(rto_admin, settings):
    job = spreadsheet_import("learners", "learners.csv", LEARNERS, commit=True, actor=rto_admin)

    assert job.status == ImportStatus.IMPORTED
    assert not job.file
    assert _stored(settings) == []
    assert job.original_name == "learners.csv"


def test_the_file_is_kept_between_the_dry_run_and_the_import(rto_admin, settings):
    job = spreadsheet_import("learners", "learners.csv", LEARNERS, commit=False, actor=rto_admin)

    assert job.status == ImportStatus.CHECKED
    assert len(_stored(settings)) == 1
    assert import_job_start(job=job, commit=True).status == ImportStatus.IMPORTED
    assert _stored(settings) == []


def test_a_file_never_imported_is_deleted_after_the_hours_kept(rto_admin, settings):
    settings.IMPORT_FILES_KEPT_HOURS = 24
    old = import_job_create(actor=rto_admin, kind="learners", upload=upload("old.csv", LEARNERS))
    new = import_job_create(actor=rto_admin, kind="learners", upload=upload("new.csv", LEARNERS))
    ImportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=25))

    call_command("purge_imports")

    old.refresh_from_db()
    new.refresh_from_db()
    assert not old.file
    assert new.file
    assert len(_stored(settings)) == 1
    with pytest.raises(ValidationError) as refused:
        import_job_start(job=old, commit=False)
    assert refused.value.messages == [FILE_GONE.format(hours=24)]
