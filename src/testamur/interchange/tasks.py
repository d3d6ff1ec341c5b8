"""Background tasks (django-tasks, database backend; `manage.py db_worker` runs them)."""

from django_tasks import task

from testamur.interchange.services import import_job_run


@task()
def run_import_job(job_id: int) -> None:
    import_job_run(job_id)
