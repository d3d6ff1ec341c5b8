"""Bulk generation through the real pipeline: task queue, render, sign, store, print PDF, XLSX.

Makes a fresh database (PostgreSQL when DATABASE_URL points at one, else a temporary SQLite
file), loads N issue-ready credentials, starts W `run_worker` processes, then times a
Merge-documents run (unsigned) and an Issue run (signed, with mail merge) of all N. Prints one
JSON object per run (`seconds_files`: of its seconds, those after its last chunk, when one worker
makes the print PDF and mail merge); asserts nothing about time.

It first runs bench/engine_raw.py (the same machine, the same moment) and prints each run's
pipeline efficiency: credentials per second per worker ÷ the raw engine's documents per
second (render only for the merge run, render + sign for the issue run). The workers run with
DEBUG off: with DEBUG on Django keeps every query of a process in `connection.queries` (up
to 9,000), which is memory a production worker never holds.

Before the timed runs the workers are warmed up with an untimed preview of one chunk each
(Django's start, the render child's fork, Typst's first compile and its fonts): otherwise the
first timed run pays for starting the workers and the second does not.

    .venv/bin/python bench/bulk_generate.py --n 1000 --workers 2
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

from bench.common import database_url, migrate, peak_rss_mb  # noqa: E402

MANAGE = ROOT / "manage.py"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--engine-n", type=int, default=100, help="documents engine_raw makes (default 100)"
    )
    args = parser.parse_args()
    engine = engine_raw(args.engine_n)

    tmp = Path(tempfile.mkdtemp(prefix="testamur-bench-"))
    env = {
        **os.environ,
        "DATABASE_URL": database_url(tmp, "testamur_bench"),
        "MEDIA_ROOT": str(tmp / "media"),
        # The workers' daily event log checkpoint, if one falls due, stays in the bench's files.
        "EVENT_LOG_KEY_FILE": str(tmp / "event-log-key.pem"),
        "EVENT_LOG_CHECKPOINT_DIR": str(tmp / "checkpoints"),
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-not-secret"),
        "LOG_LEVEL": "ERROR",
    }
    os.environ.update(env)
    migrate(env)

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "testamur.settings")
    django.setup()
    from django.conf import settings
    from django.db.models import Max
    from django.utils import timezone

    from bench.fixtures import issue_ready_credentials
    from testamur.credentials.issue_options import IssueOptions
    from testamur.credentials.models import GenerationRun, RunKind
    from testamur.credentials.runs import CHUNK_SIZE, run_start

    actor, credentials = issue_ready_credentials(args.n)
    workers = [
        subprocess.Popen(
            [sys.executable, str(MANAGE), "run_worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(args.workers)
    ]
    try:
        warm_up = credentials[: CHUNK_SIZE * args.workers]
        run, _ = run_start(actor=actor, kind=RunKind.PREVIEW, credentials=warm_up)
        while not GenerationRun.objects.get(pk=run.pk).is_finished:
            time.sleep(0.2)
        for kind, options in [
            (RunKind.PREVIEW, None),
            (
                RunKind.ISSUE,
                # Statements of Attainment: they complete no qualification.
                IssueOptions(issued_on=timezone.localdate(), mail_merge=True),
            ),
        ]:
            started = time.perf_counter()
            run, _ = run_start(actor=actor, kind=kind, credentials=credentials, options=options)
            queued = time.perf_counter() - started
            while not GenerationRun.objects.get(pk=run.pk).is_finished:
                time.sleep(0.2)
            elapsed = time.perf_counter() - started
            run.refresh_from_db()
            badges = {}
            if kind == RunKind.ISSUE:
                # Issued is not all done: each credential's signed badge is made either in the
                # run (the PDF's digital twin) or by a background task after it. Until both are
                # there, compare twin on and off on this figure, not on the run alone.
                with_badges, made = badges_made_after(run, started)
                badges = {
                    "badges_made": made,
                    "seconds_with_badges": round(with_badges, 2),
                    "with_badges_per_s": round(run.done_count / with_badges, 1),
                }
            per_worker = run.done_count / elapsed / args.workers
            # The run's files (print PDF, mail merge) are made by one worker after the last
            # chunk, while the others have nothing left to do.
            last_chunk = run.chunks.aggregate(last=Max("finished_at"))["last"]
            engine_per_s = (
                engine["docs_per_s"]
                if kind == RunKind.ISSUE
                else 1000 / engine["render_ms_per_doc"]
            )
            print(
                json.dumps(
                    {
                        "bench": "bulk_generate",
                        "kind": kind.value,
                        "signed": kind == RunKind.ISSUE,
                        # Issued documents carry their signed badge (ISSUED_PDF_DIGITAL_TWIN).
                        "digital_twin": kind == RunKind.ISSUE and settings.ISSUED_PDF_DIGITAL_TWIN,
                        "n": args.n,
                        "workers": args.workers,
                        "database": env["DATABASE_URL"].split(":")[0],
                        "done": run.done_count,
                        "failed": run.failed_count,
                        "seconds": round(elapsed, 2),
                        "seconds_to_queue": round(queued, 2),
                        "seconds_files": round((run.finished_at - last_chunk).total_seconds(), 2),
                        "credentials_per_s": round(run.done_count / elapsed, 1),
                        "per_worker_per_s": round(per_worker, 1),
                        "engine_raw_per_s": round(engine_per_s, 1),
                        "pipeline_efficiency": round(per_worker / engine_per_s, 2),
                        **badges,
                        "worker_peak_rss_mb": [peak_rss_mb(w.pid) for w in workers],
                    }
                ),
                flush=True,
            )
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait()


BADGES_WAIT_SECONDS = 600


def badges_made_after(run, started: float) -> tuple[float, int]:
    """Seconds from `started` until every credential the run issued has its signed badge (or
    the wait gave up), and how many badges were made by then."""
    from testamur.verification.models import DigitalCredential

    issued, signed = run.done_count, 0
    deadline = started + BADGES_WAIT_SECONDS
    while time.perf_counter() < deadline:
        signed = DigitalCredential.objects.filter(
            credential__run_items__run=run, signed__isnull=False
        ).count()
        if signed >= issued:
            break
        time.sleep(0.2)
    return time.perf_counter() - started, signed


def engine_raw(n: int) -> dict:
    """bench/engine_raw.py's figures, measured now in a process of its own."""
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "engine_raw.py"), "--n", str(n)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    figures = json.loads(out.strip().splitlines()[-1])
    print(json.dumps(figures), flush=True)
    return figures


if __name__ == "__main__":
    main()
