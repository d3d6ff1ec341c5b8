"""Background tasks (django-tasks, database backend; `manage.py db_worker` runs them)."""

from django_tasks import task

from testamur.credentials.runs import run_process_chunk


@task()
def process_run_chunk(run_id: int, chunk: int) -> None:
    run_process_chunk(run_id, chunk)
