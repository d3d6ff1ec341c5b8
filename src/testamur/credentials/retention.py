"""Retention of working files (DESIGN.md: run files are purged, credentials' own never).

A run's combined print PDF and mail-merge spreadsheet are working copies for one batch: they
are deleted some days after the run finished, and the run page then says when. The drafts and
issued documents stored on each credential are never touched here.

Higher layers keep working copies of the same kind (a background register export): they
register a PurgeTarget from their AppConfig.ready(), and the same purge deletes their files on
the same schedule, so there is one purge, one command and one task.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import models, transaction
from django.utils import timezone

from testamur.core.events import EventRecord, event_record_many
from testamur.credentials.models import FINISHED_RUN_STATUSES, GenerationRun

RUN_FILES_KEPT_DAYS = 7
RUN_FILE_FIELDS = ("combined_pdf", "mail_merge")
# Where run files are stored (GenerationRun's upload_to); files there that no run holds are
# left-overs of a crash and go too once they are old enough.
RUN_FILES_DIR = "runs"


@dataclass(frozen=True)
class PurgeTarget:
    """One kind of record whose files are working copies, deleted some days after it finished.

    `finished_before(cutoff)` gives the records finished before the cutoff; the model has a
    nullable `files_purged_at`, and its files are stored under `folder`.
    """

    label: str
    model: type[models.Model]
    fields: tuple[str, ...]
    folder: str
    subject_type: str
    finished_before: Callable[[datetime], models.QuerySet]


@dataclass
class PurgeReport:
    older_than: datetime
    dry_run: bool
    runs: list[int] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    stray_files: list[str] = field(default_factory=list)
    # Other targets' records and files, by label (register exports...).
    others: dict[str, tuple[list[int], list[str]]] = field(default_factory=dict)

    def summary(self) -> str:
        verb = "Would delete" if self.dry_run else "Deleted"
        when = timezone.localtime(self.older_than).strftime("%d/%m/%Y %H:%M")
        other_files = sum(len(files) for _, files in self.others.values())
        text = (
            f"{verb} {len(self.files) - other_files} file(s) of {len(self.runs)} run(s) "
            f"finished before {when}"
        )
        for label, (records, files) in self.others.items():
            if records:
                text += f", {len(files)} file(s) of {len(records)} {label}(s)"
        if self.stray_files:
            text += f", and {len(self.stray_files)} run file(s) no run refers to"
        return text + "."


def _runs_finished_before(cutoff: datetime) -> models.QuerySet:
    return GenerationRun.objects.filter(status__in=FINISHED_RUN_STATUSES, finished_at__lt=cutoff)


RUNS = PurgeTarget(
    label="run",
    model=GenerationRun,
    fields=RUN_FILE_FIELDS,
    folder=RUN_FILES_DIR,
    subject_type="generation_run",
    finished_before=_runs_finished_before,
)
_targets: list[PurgeTarget] = [RUNS]


def purge_target_register(target: PurgeTarget) -> None:
    if target not in _targets:
        _targets.append(target)


def run_files_cutoff(days: int = RUN_FILES_KEPT_DAYS) -> datetime:
    return timezone.now() - timedelta(days=days)


def run_files_purge(*, older_than: datetime, dry_run: bool = False) -> PurgeReport:
    """Delete the files of runs (and of every registered target) that finished before
    `older_than`, and mark them purged."""
    report = PurgeReport(older_than=older_than, dry_run=dry_run)
    for target in _targets:
        records, files = _purge(target, older_than, dry_run=dry_run)
        report.files.extend(files)
        if target is RUNS:
            report.runs = records
        else:
            report.others[target.label] = (records, files)
        report.stray_files += _stray_files(target, older_than, dry_run=dry_run)
    return report


def _purge(target: PurgeTarget, older_than: datetime, *, dry_run: bool):
    storage = target.model._meta.get_field(target.fields[0]).storage
    with_files = models.Q()
    for name in target.fields:
        with_files |= ~models.Q(**{name: ""})
    records = (
        target.finished_before(older_than)
        .filter(with_files, files_purged_at__isnull=True)
        .order_by("pk")
    )
    now = timezone.now()
    pks, all_names = [], []
    for record in records.iterator():
        names = [getattr(record, name).name for name in target.fields if getattr(record, name)]
        pks.append(record.pk)
        all_names.extend(names)
        if dry_run:
            continue
        with transaction.atomic():
            updated = target.model.objects.filter(
                pk=record.pk, files_purged_at__isnull=True
            ).update(**dict.fromkeys(target.fields, ""), files_purged_at=now)
            if updated:
                event_record_many(
                    [
                        EventRecord(
                            actor=None,
                            subject_type=target.subject_type,
                            subject_id=record.pk,
                            action="files_purged",
                            data={"files": names},
                        )
                    ]
                )
        if updated:
            for name in names:
                storage.delete(name)
    return pks, all_names


def _stray_files(target: PurgeTarget, older_than: datetime, *, dry_run: bool) -> list[str]:
    storage = target.model._meta.get_field(target.fields[0]).storage
    try:
        _dirs, files = storage.listdir(target.folder)
    except (FileNotFoundError, NotImplementedError):
        return []
    held = {
        name
        for field_name in target.fields
        for name in target.model.objects.exclude(**{field_name: ""}).values_list(
            field_name, flat=True
        )
    }
    stray = []
    for file_name in sorted(files):
        name = f"{target.folder}/{file_name}"
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
