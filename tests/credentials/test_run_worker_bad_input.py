"""`run_worker` refuses what would hurt: a --stale-minutes short enough to take a live worker's
chunk, and a database without its migrations."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from testamur.credentials.management.commands.run_worker import MIN_STALE_MINUTES, STALE_TOO_SHORT
from testamur.credentials.models import WorkerHeartbeat

MANAGE = Path(__file__).resolve().parents[2] / "manage.py"


@pytest.mark.django_db
def test_a_stale_limit_below_three_heartbeats_is_refused_with_the_reason():
    with pytest.raises(CommandError) as refused:
        call_command("run_worker", "--stale-minutes", "0.1")
    assert str(refused.value) == STALE_TOO_SHORT.format(value=0.1)
    assert "three heartbeats" in str(refused.value)
    assert MIN_STALE_MINUTES == 0.25
    assert not WorkerHeartbeat.objects.exists()  # nothing started


def test_a_worker_pointed_at_an_unmigrated_database_says_so_and_exits(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "DEBUG": "1",
    }
    worker = subprocess.run(
        [sys.executable, str(MANAGE), "run_worker", "--batch"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert worker.returncode != 0
    assert "The database has not been migrated" in worker.stderr
    assert "manage.py migrate" in worker.stderr
    assert "Traceback" not in worker.stderr
