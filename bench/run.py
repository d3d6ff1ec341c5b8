"""`make bench`: every benchmark, one JSON object per line on standard output."""

import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
PY = sys.executable

RUNS = [
    [PY, str(BENCH / "engine_raw.py"), "--n", "200"],
    [PY, str(BENCH / "bulk_generate.py"), "--n", "1000", "--workers", "1"],
    [PY, str(BENCH / "bulk_generate.py"), "--n", "1000", "--workers", "2"],
    [PY, str(BENCH / "bulk_generate.py"), "--n", "5000", "--workers", "2"],
    [PY, str(BENCH / "make_badges.py"), "--n", "200"],
    [PY, str(BENCH / "audit_bulk.py"), "--n", "10000"],
    # PostgreSQL only; 100,000 and 1,000,000 credentials, each kept in its own database
    # (testamur_bench_reports_<N>; about 5 minutes to load the first time), ending with the
    # growth from one to the other of the cases issue 19 bounds (register_growth lines).
    [PY, str(BENCH / "register_reports.py"), "--sizes", "100000,1000000"],
    [PY, str(BENCH / "import_rows.py"), "--n", "100000"],
    # PostgreSQL only: /v/<code> under gunicorn with 50 concurrent clients. Set REDIS_URL to
    # measure it as several web processes should run (the database cache otherwise).
    [PY, str(BENCH / "verify_page.py")],
    # 10,000 learners verified against the USI registry simulator over HTTP.
    [PY, str(BENCH / "usi_bulk_verify.py"), "--n", "10000"],
    # A million events: loading them takes about 7 minutes on SQLite (not measured).
    [PY, str(BENCH / "verify_event_log.py"), "--n", "1000000"],
]


def main() -> int:
    env = {**os.environ, "PYTHONPATH": str(BENCH.parent)}
    failed = 0
    for command in RUNS:
        result = subprocess.run(command, env=env, check=False)
        failed += result.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
