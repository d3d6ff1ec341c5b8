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
    # PostgreSQL only; BENCH_REGISTER_N sets the register size (default 1,000,000: about 4.5
    # minutes the first time, 3 once the data is kept in testamur_bench_reports).
    [PY, str(BENCH / "register_reports.py")],
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
