"""Retention of generation-run files (DESIGN.md: run files are purged, credentials' own never).

A run's combined print PDF and mail-merge spreadsheet are working copies for one batch: they
are deleted some days after the run finished, and the run page then says when. The drafts and
issued documents stored on each credential are never touched here.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from testamur.core.events import EventRecord, event_record_many
from testamur.credentials.models import FINISHED_RUN_STATUSES, GenerationRun

RUN_FILES_KEPT_DAYS = 7
RUN_FILE_FIELDS = ("combined_pdf", "mail_merge")
# Where run files are stored (GenerationRun's upload_to); files there that no run holds are
# left-overs of a crash and go too once they are old enough.
RUN_FILES_DIR = "runs"


@dataclass
class PurgeReport:
    older_than: datetime
    dry_run: bool
    runs: list[int] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    stray_files: list[str] = field(default_factory=list)

    def summary(self) -> str:
        verb = "Would delete" if self.dry_run else "Deleted"
        when = timezone.localtime(self.older_than).strftime("%d/%m/%Y %H:%M")
        text = f"{verb} {len(self.files)} file(s) of {len(self.runs)} run(s) finished before {when}"
        if self.stray_files:
            text += f", and {len(self.stray_files)} run file(s) no run refers to"
        return text + "."


def run_files_cutoff(days: int = RUN_FILES_KEPT_DAYS) -> datetime:
    return timezone.now() - timedelta(days=days)


def run_files_purge(*, older_than: datetime, dry_run: bool = False) -> PurgeReport:
    """Delete the files of runs that finished before `older_than` and mark the runs purged."""
    report = PurgeReport(older_than=older_than, dry_run=dry_run)
    storage = GenerationRun._meta.get_field("combined_pdf").storage
    runs = (
        GenerationRun.objects.filter(
            status__in=FINISHED_RUN_STATUSES,
            finished_at__lt=older_than,
            files_purged_at__isnull=True,
        )
        .exclude(combined_pdf="", mail_merge="")
        .order_by("pk")
    )
    now = timezone.now()
    for run in runs.iterator():
        names = [getattr(run, name).name for name in RUN_FILE_FIELDS if getattr(run, name)]
        report.runs.append(run.pk)
        report.files.extend(names)
        if dry_run:
            continue
        with transaction.atomic():
            updated = GenerationRun.objects.filter(pk=run.pk, files_purged_at__isnull=True).update(
                combined_pdf="", mail_merge="", files_purged_at=now
            )
            if updated:
                event_record_many(
                    [
                        EventRecord(
                            actor=None,
                            subject_type="generation_run",
                            subject_id=run.pk,
                            action="files_purged",
                            data={"files": names},
                        )
                    ]
                )
        if updated:
            for name in names:
                storage.delete(name)
    report.stray_files = _stray_files(storage, older_than, dry_run=dry_run)
    return report


def _stray_files(storage, older_than: datetime, *, dry_run: bool) -> list[str]:
    try:
        _dirs, files = storage.listdir(RUN_FILES_DIR)
    except (FileNotFoundError, NotImplementedError):
        return []
    held = {
        name
        for field_name in RUN_FILE_FIELDS
        for name in GenerationRun.objects.exclude(**{field_name: ""}).values_list(
            field_name, flat=True
        )
    }
    stray = []
    for file_name in sorted(files):
        name = f"{RUN_FILES_DIR}/{file_name}"
        if name in held:
            continue
        try:
            modified = storage.get_modified_time(name)
        except (FileNotFoundError, NotImplementedError):
            continue
        if modified < older_than:
            stray.append(name)
            if not dry_run:
                storage.delete(name)
    return stray
