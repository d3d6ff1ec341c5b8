"""Bulk generation through the real pipeline: task queue, render, sign, store, print PDF, XLSX.

Makes a fresh database (PostgreSQL when DATABASE_URL points at one, else a temporary SQLite
file), loads N issue-ready credentials, starts W `run_worker` processes, then times a
Merge-documents run (unsigned) and an Issue run (signed, with mail merge) of all N. Prints one
JSON object per run; asserts nothing about time.

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
MANAGE = ROOT / "manage.py"


def _database_url(tmp: Path) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        base, _, _ = url.rpartition("/")
        name = "testamur_bench"
        subprocess.run(
            ["psql", f"{base}/postgres", "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True
        )
        subprocess.run(["psql", f"{base}/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
        return f"{base}/{name}"
    return f"sqlite:///{tmp / 'bench.sqlite3'}"


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="testamur-bench-"))
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(tmp),
        "MEDIA_ROOT": str(tmp / "media"),
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "DEBUG": "1",
        "LOG_LEVEL": "ERROR",
    }
    os.environ.update(env)
    subprocess.run([sys.executable, str(MANAGE), "migrate", "-v0"], env=env, check=True)

    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "testamur.settings")
    django.setup()
    from bench.fixtures import issue_ready_credentials
    from testamur.credentials.models import GenerationRun, RunKind
    from testamur.credentials.runs import run_start

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
        for kind, options in [
            (RunKind.PREVIEW, {}),
            (RunKind.ISSUE, {"mail_merge": True, "final_qualification": True}),
        ]:
            started = time.perf_counter()
            run, _ = run_start(actor=actor, kind=kind, credentials=credentials, options=options)
            queued = time.perf_counter() - started
            while not GenerationRun.objects.get(pk=run.pk).is_finished:
                time.sleep(0.2)
            elapsed = time.perf_counter() - started
            run.refresh_from_db()
            print(
                json.dumps(
                    {
                        "bench": "bulk_generate",
                        "kind": kind.value,
                        "signed": kind == RunKind.ISSUE,
                        "n": args.n,
                        "workers": args.workers,
                        "database": env["DATABASE_URL"].split(":")[0],
                        "done": run.done_count,
                        "failed": run.failed_count,
                        "seconds": round(elapsed, 2),
                        "seconds_to_queue": round(queued, 2),
                        "credentials_per_s": round(run.done_count / elapsed, 1),
                        "worker_peak_rss_mb": [_peak_rss_mb(w.pid) for w in workers],
                    }
                ),
                flush=True,
            )
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait()


if __name__ == "__main__":
    main()
