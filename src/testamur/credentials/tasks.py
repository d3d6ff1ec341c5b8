"""Background tasks (django-tasks, database backend; `manage.py db_worker` runs them)."""

from django_tasks import task

from testamur.credentials.emailing import credential_emails_send
from testamur.credentials.retention import RUN_FILES_KEPT_DAYS, run_files_cutoff, run_files_purge
from testamur.credentials.runs import run_finalise, run_process_chunk


@task()
def process_run_chunk(run_id: int, chunk: int) -> None:
    run_process_chunk(run_id, chunk)


@task()
def finalise_run(run_id: int) -> None:
    """Build the files of a run whose finalising worker stopped (run_chunks.runs_reclaim)."""
    run_finalise(run_id)


@task()
def purge_run_files(days: int = RUN_FILES_KEPT_DAYS) -> str:
    """The same as `manage.py purge_runs`, for deployments that schedule tasks."""
    return run_files_purge(older_than=run_files_cutoff(days)).summary()


@task()
def send_credential_emails(email_ids: list[int]) -> dict[str, int]:
    return credential_emails_send(email_ids)
