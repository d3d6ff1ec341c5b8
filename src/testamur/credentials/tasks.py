"""Background tasks (django-tasks, database backend; `manage.py db_worker` runs them)."""

from django_tasks import task

from testamur.credentials.emailing import credential_emails_send
from testamur.credentials.runs import run_process_chunk


@task()
def process_run_chunk(run_id: int, chunk: int) -> None:
    run_process_chunk(run_id, chunk)


@task()
def send_credential_emails(email_ids: list[int]) -> dict[str, int]:
    return credential_emails_send(email_ids)
