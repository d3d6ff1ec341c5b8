"""Bulk USI verification: N learners sent to the registry simulator over HTTP.

Makes a fresh database (PostgreSQL when DATABASE_URL points at one, else a temporary SQLite
file) with N learners, starts `manage.py usi_simulator` in its own process with a data set in
which 70% match, 10% have another family name, 10% are deactivated and 10% are unknown, then
times one bulk verification job (pre-check, then every batch, with the learners' records and
events written) in this process. Prints one JSON object: learners per second and the peak
memory of this process and of the simulator; asserts nothing about time.

    .venv/bin/python bench/usi_bulk_verify.py --n 10000
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
MANAGE = ROOT / "manage.py"

from bench.common import database_url, migrate, peak_rss_mb  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit("The simulator did not start.")


def _learners(n: int):
    from testamur.learners.models import Learner, UsiStatus
    from testamur.learners.usi import ALPHABET, usi_check_character

    def usi(i: int) -> str:
        body = ""
        for _ in range(9):
            body = ALPHABET[i % 32] + body
            i //= 32
        return body + usi_check_character(body)

    return Learner.objects.bulk_create(
        (
            Learner(
                client_id=f"V{i:07d}",
                given_name="Bench",
                family_name=f"Learner{i:06d}",
                date_of_birth=date(1990, 1, 1 + i % 28),
                usi=usi(3_000_000 + i),
                usi_status=UsiStatus.NOT_VERIFIED,
            )
            for i in range(n)
        ),
        batch_size=1000,
    )


def _data_set(learners, path: Path) -> None:
    from testamur.learners.usi_registry.simulator.registry import Record, records_save

    records = []
    for i, learner in enumerate(learners):
        kind = i % 10
        if kind == 9:
            continue  # unknown to the registry: Invalid
        records.append(
            Record(
                usi=learner.usi,
                date_of_birth=learner.date_of_birth,
                first_name=learner.given_name,
                family_name="Other" if kind == 7 else learner.family_name,
                status="Deactivated" if kind == 8 else "Valid",
            )
        )
    records_save(path, records)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="testamur-bench-"))
    home = tmp / "usi-simulator"
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(tmp, "testamur_bench_usi"),
        "MEDIA_ROOT": str(tmp / "media"),
        "DEBUG": "1",
        "LOG_LEVEL": "ERROR",
        "TASKS_BACKEND": "django_tasks.backends.dummy.DummyBackend",
    }
    os.environ.update(env)
    migrate(env)
    subprocess.run(
        [sys.executable, str(MANAGE), "usi_simulator", "--prepare", "--home", str(home)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    os.environ.update(
        {
            "USI_REGISTRY": "simulator",
            "USI_SIMULATOR_URL": f"http://127.0.0.1:{port}",
            "USI_ORG_CODE": "VA1803",
            "USI_KEYSTORE_PATH": str(home / "keystore-usi.xml"),
            "USI_KEYSTORE_PASSWORD": (home / "keystore-password").read_text().strip(),
        }
    )

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "testamur.settings")
    django.setup()
    from testamur.learners.usi_registry.services import usi_job_prepare, usi_job_run

    learners = _learners(args.n)
    _data_set(learners, home / "registry.json")
    simulator = subprocess.Popen(
        [sys.executable, str(MANAGE), "usi_simulator", "--home", str(home), "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        _wait_for(port)
        started = time.perf_counter()
        job = usi_job_prepare(actor=None, learner_ids=[x.pk for x in learners], source="Benchmark")
        prepared = time.perf_counter() - started
        type(job).objects.filter(pk=job.pk).update(status="queued")
        job = usi_job_run(job.pk)
        elapsed = time.perf_counter() - started
        simulator_rss = peak_rss_mb(simulator.pid)
    finally:
        simulator.terminate()
        simulator.wait(timeout=10)
    print(
        json.dumps(
            {
                "bench": "usi_bulk_verify",
                "n": args.n,
                "database": env["DATABASE_URL"].split(":")[0],
                "status": job.status,
                "verified": job.verified_count,
                "not_verified": job.not_verified_count,
                "errors": job.error_count,
                "precheck_seconds": round(prepared, 2),
                "seconds": round(elapsed, 2),
                "learners_per_s": round(args.n / elapsed, 1),
                "peak_rss_mb": peak_rss_mb(),
                "simulator_peak_rss_mb": simulator_rss,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
