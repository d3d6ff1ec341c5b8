"""Imports (upload, match columns, check, import) and the AVETMISS export.

The screens, the management commands and the background worker all call these. A check (dry
run) reads every row and changes nothing; an import checks again and then writes everything
in one transaction, so either every row is imported or none is.
"""

import logging
import shutil
import tempfile
import zipfile
from contextlib import contextmanager
from datetime import date
from pathlib import Path, PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import DatabaseError, transaction
from django.utils import timezone

from testamur.core.events import event_record
from testamur.interchange.avetmiss.collection import NATIONAL, ReportingRules
from testamur.interchange.avetmiss.export import ExportResult, avetmiss_files
from testamur.interchange.avetmiss.importing import AvetmissImport
from testamur.interchange.avetmiss.reading import NO_NAT_FILES, nat_type
from testamur.interchange.models import (
    RUNNING_STATUSES,
    SPREADSHEET_KINDS,
    ImportJob,
    ImportKind,
    ImportMapping,
    ImportStatus,
)
from testamur.interchange.problems import Problems
from testamur.interchange.reading import FILE_EMPTY, FILE_TOO_LARGE, Sheet, check_zip, sniff
from testamur.interchange.spreadsheets import IMPORTERS
from testamur.interchange.spreadsheets.columns import auto_mapping
from testamur.interchange.spreadsheets.engine import ImportAborted, sheet_import

logger = logging.getLogger(__name__)

NO_FILE = "Choose a file to upload."
ZIP_OR_FILES = "Upload one zip file, or the NAT files themselves, not both."
ZIP_UNREADABLE = "This zip file cannot be opened. Check it opens on your computer and try again."
JOB_BUSY = "This import is running already."
JOB_NOT_CHECKED = "Only a file checked without problems can be imported. Check it again first."
JOB_NOT_MAPPABLE = "The columns of this import can no longer be changed."
DATA_CHANGED = (
    "Something in Testamur changed while importing, so nothing was imported. Check the file again."
)
FILE_GONE = (
    "The uploaded file is no longer kept (files with personal data are deleted once an import "
    "is finished, or {hours} hours after upload). Upload it again."
)
IMPORT_FAILED = "The import stopped on an unexpected error, so nothing was imported: {error}"
EXPORT_HAS_ERRORS = (
    "The files have {count} error{s} that NCVER would refuse, so they were not downloaded. Fix "
    "them, or download them anyway with the reason why."
)


def _size_limit() -> int:
    return settings.MAX_IMPORT_UPLOAD_BYTES


def _check_size(size: int) -> None:
    if size > _size_limit():
        raise ValidationError(FILE_TOO_LARGE.format(limit=_size_limit() // (1024 * 1024)))
    if size == 0:
        raise ValidationError(FILE_EMPTY)


@contextmanager
def local_path(field_file):
    """A path on this machine for a stored file (a temporary copy when storage is remote)."""
    try:
        path = field_file.path
    except NotImplementedError:
        path = None
    if path:
        yield Path(path)
        return
    suffix = PurePath(field_file.name).suffix
    with tempfile.NamedTemporaryFile(suffix=suffix) as copy, field_file.open("rb") as source:
        shutil.copyfileobj(source, copy)
        copy.flush()
        yield Path(copy.name)


def _remembered(kind: str) -> dict[str, str]:
    mapping = ImportMapping.objects.filter(kind=kind).first()
    return mapping.columns if mapping else {}


def import_job_create(*, actor, kind: str, upload) -> ImportJob:
    """Store an uploaded spreadsheet, read its header row and match its columns.

    A file that cannot be read (size, format, encoding) is refused and nothing is kept.
    """
    if upload is None:
        raise ValidationError(NO_FILE)
    if kind not in SPREADSHEET_KINDS:
        raise ValueError(f"not a spreadsheet import: {kind}")
    _check_size(upload.size)
    name = PurePath(upload.name or "import").name
    job = ImportJob(kind=kind, original_name=name[:255], size=upload.size, created_by=actor)
    job.file.save(f"{kind}{PurePath(name).suffix.lower()[:6]}", upload, save=False)
    try:
        with local_path(job.file) as path:
            sniffed = sniff(path, name)
            headers = Sheet(path, sniffed.file_format, sniffed.encoding).headers()
    except ValidationError:
        job.file.delete(save=False)
        raise
    job.file_format, job.encoding, job.headers = sniffed.file_format, sniffed.encoding, headers
    job.mapping = auto_mapping(IMPORTERS[kind].columns, headers, _remembered(kind))
    job.status = ImportStatus.MAPPING
    job.save()
    return job


def avetmiss_job_create(*, actor, uploads: list) -> ImportJob:
    """Store NAT files (one zip, or the files themselves) for checking."""
    uploads = [u for u in uploads if u is not None]
    if not uploads:
        raise ValidationError(NO_FILE)
    _check_size(sum(u.size for u in uploads))
    names = [PurePath(u.name or "").name for u in uploads]
    zips = [n for n in names if n.lower().endswith(".zip")]
    if zips and len(uploads) > 1:
        raise ValidationError(ZIP_OR_FILES)
    job = ImportJob(
        kind=ImportKind.AVETMISS,
        original_name=", ".join(names)[:255],
        size=sum(u.size for u in uploads),
        file_format="nat",
        created_by=actor,
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "nat-files.zip"
        if zips:
            with open(path, "wb") as out:
                for chunk in uploads[0].chunks():
                    out.write(chunk)
        else:
            with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for upload, name in zip(uploads, names, strict=True):
                    with archive.open(name, "w") as member:
                        for chunk in upload.chunks():
                            member.write(chunk)
        try:
            check_zip(path)
            with zipfile.ZipFile(path) as archive:
                names_inside = [info.filename for info in archive.infolist()]
        except zipfile.BadZipFile as exc:
            raise ValidationError(ZIP_UNREADABLE) from exc
        if not any(nat_type(name) for name in names_inside):
            raise ValidationError(NO_NAT_FILES)
        with open(path, "rb") as handle:
            job.file.save("nat-files.zip", File(handle), save=False)
    job.status = ImportStatus.UPLOADED
    job.save()
    return job


def import_job_map(*, actor, job: ImportJob, mapping: dict[str, str], dry_run: bool = True):
    """Keep the columns a person matched (and remember them for the next file of this kind)."""
    if job.kind not in SPREADSHEET_KINDS or job.is_running or job.status == ImportStatus.IMPORTED:
        raise ValidationError(JOB_NOT_MAPPABLE)
    importer = IMPORTERS[job.kind]
    mapping = {field: header for field, header in mapping.items() if header}
    problems = importer.mapping_problems(mapping, job.headers)
    if problems:
        raise ValidationError(problems)
    job.mapping, job.dry_run = mapping, dry_run
    job.save(update_fields=["mapping", "dry_run"])
    columns = {column.field: mapping.get(column.field, "") for column in importer.columns}
    ImportMapping.objects.update_or_create(
        kind=job.kind,
        defaults={"columns": columns, "updated_by": actor if getattr(actor, "pk", None) else None},
    )
    return job


def import_job_start(*, job: ImportJob, commit: bool, inline: bool | None = None) -> ImportJob:
    """Check the file, and import it too when `commit` (a dry run otherwise).

    Small files run now; larger ones go to the background worker (the page shows progress).
    """
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.is_running:
            raise ValidationError(JOB_BUSY)
        if job.status == ImportStatus.IMPORTED:
            raise ValidationError(JOB_NOT_CHECKED)
        if not job.file:
            raise ValidationError(FILE_GONE.format(hours=kept_hours()))
        job.status = ImportStatus.QUEUED
        job.dry_run = not commit
        job.progress = job.rows_read = job.error_count = 0
        job.errors, job.summary, job.message = [], {}, ""
        job.started_at = job.finished_at = None
        job.save()
    if inline is None:
        inline = job.size <= settings.IMPORT_INLINE_MAX_BYTES
    if inline:
        import_job_run(job.pk)
    else:
        from testamur.interchange.tasks import run_import_job

        run_import_job.enqueue(job.pk)
    job.refresh_from_db()
    return job


def _set(job: ImportJob, **fields) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    ImportJob.objects.filter(pk=job.pk).update(**fields)


def _reason(job: ImportJob) -> str:
    return f"Import {job.pk}: {job.original_name}"


def import_job_run(job_id: int) -> None:
    """The work of an import: check every row, then (unless a dry run) write them all."""
    job = ImportJob.objects.get(pk=job_id)
    if job.status != ImportStatus.QUEUED:
        return  # already run (a task delivered twice)
    _set(job, status=ImportStatus.CHECKING, started_at=timezone.now())
    problems = Problems()
    try:
        with local_path(job.file) as path:
            if job.is_avetmiss:
                summary = _run_avetmiss(job, path, problems)
            else:
                summary = _run_spreadsheet(job, path, problems)
    except ImportAborted:
        status, summary, message = ImportStatus.INVALID, {}, DATA_CHANGED
    except ValidationError as exc:
        status, summary, message = ImportStatus.FAILED, {}, " ".join(exc.messages)
    except DatabaseError:
        logger.exception("Import %s hit a database error", job.pk)
        status, summary, message = ImportStatus.FAILED, {}, DATA_CHANGED
    except Exception as exc:  # the job must end with a status a person can read
        logger.exception("Import %s failed", job.pk)
        status, summary, message = ImportStatus.FAILED, {}, IMPORT_FAILED.format(error=exc)
    else:
        message = ""
        if problems:
            status = ImportStatus.INVALID
        elif job.dry_run:
            status = ImportStatus.CHECKED
        else:
            status = ImportStatus.IMPORTED
    # Problems in file order: a row's unreadable cells are found before its other problems.
    problems.items.sort(key=lambda item: (item["file"], item["row"] or 0))
    _set(
        job,
        status=status,
        summary=summary if status != ImportStatus.INVALID else {},
        errors=problems.items,
        error_count=problems.total,
        message=message,
        progress=100,
        finished_at=timezone.now(),
    )
    if status in (ImportStatus.IMPORTED, ImportStatus.FAILED):
        _file_delete(job)


def _file_delete(job: ImportJob) -> None:
    """The uploaded file holds personal data (USIs, dates of birth): gone once not needed."""
    if job.file:
        job.file.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(file="")


def kept_hours() -> int:
    return settings.IMPORT_FILES_KEPT_HOURS


def import_files_purge(*, older_than) -> list[int]:
    """Delete the files of imports uploaded before `older_than` and never finished (left at
    matching columns, checked or with problems); the jobs and their reports stay."""
    purged = []
    for job in (
        ImportJob.objects.exclude(file="")
        .filter(created_at__lt=older_than)
        .exclude(status__in=RUNNING_STATUSES)
    ):
        _file_delete(job)
        purged.append(job.pk)
    return purged


def _run_spreadsheet(job: ImportJob, path: Path, problems: Problems) -> dict:
    sheet = Sheet(path, job.file_format, job.encoding)
    importer_class = IMPORTERS[job.kind]

    def progress(fraction: float, rows: int) -> None:
        _set(job, progress=min(99, int(fraction * 100)), rows_read=rows)

    checker = importer_class(actor=job.created_by, mapping=job.mapping, reason=_reason(job))
    sheet_import(checker, sheet, problems, write=False, on_progress=progress)
    summary = {checker.label: checker.counts.as_dict()}
    del checker  # what it remembers of the file is not needed to write it
    if problems or job.dry_run:
        return summary
    _set(job, status=ImportStatus.IMPORTING)
    writer = importer_class(actor=job.created_by, mapping=job.mapping, reason=_reason(job))
    with transaction.atomic():
        sheet_import(writer, Sheet(path, job.file_format, job.encoding), problems, write=True)
    return {writer.label: writer.counts.as_dict()}


def _run_avetmiss(job: ImportJob, path: Path, problems: Problems) -> dict:
    if not job.dry_run:
        _set(job, status=ImportStatus.IMPORTING)
    run = AvetmissImport(actor=job.created_by, reason=_reason(job))
    run.run(path, write=not job.dry_run)
    problems.items, problems.total = run.problems.items, run.problems.total
    _set(job, rows_read=run.lines_read)
    return run.summary


def avetmiss_check(*, date_from: date, date_to: date, rules: ReportingRules = NATIONAL):
    """Make and validate the period's files without keeping them: what the export would say."""
    with tempfile.TemporaryFile() as out:
        return avetmiss_files(date_from=date_from, date_to=date_to, out=out, rules=rules)


def avetmiss_export(
    *,
    actor,
    date_from: date,
    date_to: date,
    out,
    rules: ReportingRules = NATIONAL,
    override_reason: str = "",
) -> ExportResult:
    """Write the period's NAT files, zipped, into `out`, validated.

    Use them only when the result has no problems and is not refused: files with errors are
    refused unless `override_reason` says why they are wanted anyway (recorded in the event).
    """
    result = avetmiss_files(date_from=date_from, date_to=date_to, out=out, rules=rules)
    if result.problems:
        return result
    errors = result.report.errors
    override_reason = override_reason.strip()
    if errors and not override_reason:
        result.refused = EXPORT_HAS_ERRORS.format(count=errors, s="" if errors == 1 else "s")
        return result
    event_record(
        actor=actor,
        subject_type="avetmiss_export",
        subject_id=f"{date_from.isoformat()}..{date_to.isoformat()}",
        action="exported_with_errors" if errors else "exported",
        reason=override_reason if errors else "",
        data={
            "from": date_from.isoformat(),
            "to": date_to.isoformat(),
            "rules": rules.key,
            "lines": result.lines,
            "errors": errors,
            "warnings": result.report.warnings,
        },
    )
    return result
