"""verify_event_log and event_log_checkpoint over a large log: time and peak memory.

Makes a fresh database (PostgreSQL when DATABASE_URL points at one, else a temporary SQLite
file) holding N events, a tenth of them about N/10 credentials (each with its request event;
the rest learner updates), loaded in bulk and not measured. Then runs, each in a process of its
own: the first checkpoint (walks the whole chain), verify_event_log (chain, checkpoint, register
replay) and a second checkpoint (walks only what came since). Prints one JSON object per
command; asserts nothing about time. Memory should not grow with N (streaming).

    .venv/bin/python bench/verify_event_log.py --n 1000000
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import database_url, migrate  # noqa: E402

MANAGE = ROOT / "manage.py"
BATCH = 5000


def load(n: int) -> int:
    """N events: one request event per credential (N/10 credentials), learner updates after."""
    from datetime import date

    from tests.factories import enrolment_make, system_actor, template_make

    from testamur.core.events import EventRecord, event_record_many
    from testamur.credentials.models import Credential, CredentialStatus

    actor = system_actor()
    enrolment = enrolment_make()
    template = template_make()
    credentials = n // 10
    for start in range(0, credentials, BATCH):
        made = Credential.objects.bulk_create(
            Credential(
                credential_type=template.credential_type,
                template=template,
                learner_id=enrolment.learner_id,
                course_enrolment=enrolment,
                course_id=enrolment.offer.course_id,
                credential_date=date(2026, 11, 20),
                status=CredentialStatus.REQUESTED,
            )
            for _ in range(min(BATCH, credentials - start))
        )
        event_record_many(
            [
                EventRecord(
                    actor=actor,
                    subject_type="credential",
                    subject_id=c.pk,
                    learner_id=c.learner_id,
                    action="requested",
                    to_state=c.status,
                    data={"course_enrolment": enrolment.pk},
                )
                for c in made
            ]
        )
    from testamur.core.models import Event

    left = n - Event.objects.count()
    for start in range(0, left, BATCH):
        event_record_many(
            [
                EventRecord(actor=None, subject_type="learner", subject_id=i, action="updated")
                for i in range(start, min(start + BATCH, left))
            ]
        )
    return credentials


# manage.py, reporting the process's own peak memory when it ends (VmHWM: unlike ru_maxrss, it
# does not carry over the peak of the parent that started it).
MANAGE_MEASURED = (
    "import os, sys\n"
    "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'testamur.settings')\n"
    "from django.core.management import execute_from_command_line\n"
    "try:\n"
    "    execute_from_command_line(['manage.py', *sys.argv[1:]])\n"
    "finally:\n"
    "    from bench.common import peak_rss_mb\n"
    "    print('PEAK_RSS_MB', peak_rss_mb(), file=sys.stderr)\n"
)


def _timed(command: list[str], env: dict) -> dict:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", MANAGE_MEASURED, *command],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    peak = [line for line in done.stderr.splitlines() if line.startswith("PEAK_RSS_MB")]
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line and line not in peak]
    return {
        "seconds": round(seconds, 2),
        "peak_rss_mb": float(peak[-1].split()[1]) if peak else None,
        "ok": done.returncode == 0,
        "last_line": lines[-1][:200] if lines else "",
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        env = {
            **os.environ,
            "DATABASE_URL": database_url(tmp, "testamur_bench_verify_log"),
            "DEBUG": "1",
            "TESTAMUR_VAR": str(tmp / "var"),
            "EVENT_LOG_CHECKPOINT_DIR": str(tmp / "checkpoints"),
            "EVENT_LOG_KEY_FILE": str(tmp / "event-log-key.pem"),
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        }
        migrate(env)
        os.environ.update(env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "testamur.settings")
        import django

        django.setup()
        started = time.perf_counter()
        credentials = load(args.n)
        load_seconds = round(time.perf_counter() - started, 1)
        for name, command in [
            ("first_checkpoint", ["event_log_checkpoint"]),
            ("verify_event_log", ["verify_event_log"]),
            ("next_checkpoint", ["event_log_checkpoint"]),
        ]:
            result = _timed(command, env)
            print(
                json.dumps(
                    {
                        "bench": "verify_event_log",
                        "case": name,
                        "n": args.n,
                        "credentials": credentials,
                        "load_seconds": load_seconds,
                        **result,
                    }
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
