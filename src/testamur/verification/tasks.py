"""Background tasks (django-tasks, database backend; `manage.py run_worker` runs them)."""

from django_tasks import task

from testamur.verification.services import portal_link_send


@task()
def send_portal_link(email: str) -> None:
    """Sent by the worker, so the page answers alike, and as fast, for any address."""
    portal_link_send(email=email)
