"""A real `run_worker` process takes a run from the database queue; killed, it resumes."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from testamur.credentials.models import Credential, CredentialStatus, GenerationRun, RunKind
from testamur.credentials.runs import run_start
from tests.credentials.helpers import completed_offer, requested

MANAGE = Path(__file__).resolve().parents[2] / "manage.py"
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def _worker(settings, *args) -> subprocess.Popen:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        # The worker's daily event log check signs a checkpoint: with this test's key, here.
        "EVENT_LOG_KEY_FILE": str(settings.EVENT_LOG_KEY_FILE),
        "EVENT_LOG_CHECKPOINT_DIR": str(settings.EVENT_LOG_CHECKPOINT_DIR),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    return subprocess.Popen(
        [sys.executable, str(MANAGE), "run_worker", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _wait(predicate, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_worker_process_finishes_a_run_and_resumes_after_being_killed(settings, rto_user):
    settings.TASKS = DB_TASKS
    enrolments = completed_offer(60, units=2)
    credentials = requested(enrolments)
    run, _ = run_start(actor=rto_user, kind=RunKind.PREVIEW, credentials=credentials)

    worker = _worker(settings)
    try:
        started = _wait(lambda: GenerationRun.objects.get(pk=run.pk).done_count >= 5)
        assert started, worker.stdout.read1().decode() if worker.stdout else ""
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    run.refresh_from_db()
    assert not run.is_finished, "the run finished before the worker could be killed"
    assert Credential.objects.filter(status=CredentialStatus.GENERATING).exists()

    restarted = _worker(settings, "--batch")
    output, _ = restarted.communicate(timeout=300)
    assert restarted.returncode == 0, output.decode()

    run.refresh_from_db()
    assert run.is_finished, output.decode()
    assert run.done_count == 60
    assert not Credential.objects.filter(status=CredentialStatus.GENERATING).exists()
    assert Credential.objects.filter(status=CredentialStatus.GENERATED).count() == 60
    assert run.combined_pdf
