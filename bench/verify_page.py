"""The public verification page under load: `/v/<code>` served by gunicorn on PostgreSQL,
50 concurrent clients on 127.0.0.1, right after a trivial Django view under the same server
(what it serves at best). Prints requests/s, latency percentiles and the page's ratio to the
trivial view; asserts nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/verify_page.py
"""

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MANAGE = ROOT / "manage.py"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _issued_codes(n: int) -> list[str]:
    from django.utils import timezone

    from bench.fixtures import issue_ready_credentials
    from testamur.credentials.issue_options import IssueOptions
    from testamur.credentials.models import Credential, RunKind
    from testamur.credentials.runs import run_start

    actor, credentials = issue_ready_credentials(n)
    run_start(actor=actor, kind=RunKind.PREVIEW, credentials=credentials)
    options = IssueOptions(issued_on=timezone.localdate())
    run_start(actor=actor, kind=RunKind.ISSUE, credentials=credentials, options=options)
    return list(
        Credential.objects.filter(status="issued").values_list("verification_code", flat=True)
    )


def _wait_until_up(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def _client(port, paths, stop, latencies, statuses, offset):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    i = offset
    while not stop.is_set():
        url = paths[i % len(paths)]
        i += 1
        started = time.perf_counter()
        try:
            connection.request("GET", url)
            response = connection.getresponse()
            response.read()
            status = response.status
        except OSError:
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            status = 0
        latencies.append(time.perf_counter() - started)
        statuses[status] = statuses.get(status, 0) + 1
    connection.close()


def _load(port: int, paths: list[str], clients: int, seconds: float) -> dict:
    """`clients` keep-alive clients requesting `paths` in turn for `seconds`."""
    stop = threading.Event()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    threads = [
        threading.Thread(
            target=_client, args=(port, paths, stop, latencies, statuses, n), daemon=True
        )
        for n in range(clients)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()

    def percentile(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 1)

    return {
        "seconds": round(elapsed, 1),
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": percentile(0.50),
        "p95_ms": percentile(0.95),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--credentials", type=int, default=50)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print(json.dumps({"bench": "verify_page", "skipped": "needs DATABASE_URL=postgres://…"}))
        return

    from bench.common import database_url, migrate

    tmp = Path(tempfile.mkdtemp(prefix="testamur-bench-verify-"))
    env = {
        **os.environ,
        "DATABASE_URL": database_url(tmp, "testamur_bench_verify"),
        "MEDIA_ROOT": str(tmp / "media"),
        "TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-" + os.urandom(16).hex(),
        # Plain http here; in production a proxy terminates TLS (settings: SECURE_SSL_REDIRECT).
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "ERROR",
        # The checkout first, then whatever the caller had (a worktree's src/, say).
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")])),
    }
    os.environ.update(env)
    migrate(env)
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "testamur.settings"
    django.setup()
    codes = _issued_codes(args.credentials)

    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "testamur.wsgi:application",
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        env={**env, "DJANGO_SETTINGS_MODULE": "bench.verify_settings"},
        cwd=ROOT,
    )
    try:
        _wait_until_up(port)
        for code in codes:  # first views warm each worker up: not what is measured
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", f"/v/{code}")
            connection.getresponse().read()
            connection.close()
        # The trivial view first, then the page, one after the other in the same server.
        trivial = _load(port, ["/bench/trivial"], args.clients, args.seconds)
        page = _load(port, [f"/v/{code}" for code in codes], args.clients, args.seconds)
    finally:
        server.terminate()
        server.wait()
    common = {
        "clients": args.clients,
        "gunicorn_workers": args.workers,
        # Where the rate limit counts and the kept pages live (settings.CACHES).
        "shared_cache": "redis" if os.environ.get("REDIS_URL") else "database",
    }
    print(json.dumps({"bench": "verify_page", "case": "trivial view", **common, **trivial}))
    ratio = page["requests_per_s"] / max(trivial["requests_per_s"], 0.1)
    print(
        json.dumps(
            {
                "bench": "verify_page",
                "case": "/v/<code>",
                **common,
                **page,
                "ratio_to_trivial": round(ratio, 2),
                "goal_ratio": 0.5,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
