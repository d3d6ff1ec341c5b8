"""Every benchmark `make bench` runs still runs: once each, at a tiny N, on the database the
suite runs on (PostgreSQL-only benchmarks when it is PostgreSQL). No time is asserted; what is
checked is that each finishes and reports what it did, so a schema or API change that breaks a
benchmark breaks the suite instead of the next `make bench`."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
PSQL = shutil.which("psql") or "/usr/bin/psql"
ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")

sys.path.insert(0, str(ROOT))
from bench.common import TEMPLATE  # noqa: E402

from bench import run  # noqa: E402

# One process in the suite: the benchmarks share the migrated template below.
pytestmark = pytest.mark.xdist_group("benchmarks")

TINY = {
    "engine_raw.py": ["--n", "2"],
    "bulk_generate.py": ["--n", "3", "--workers", "1", "--engine-n", "2"],
    "make_badges.py": ["--n", "2"],
    "audit_bulk.py": ["--n", "8"],
    "register_reports.py": ["--sizes", "100,200", "--repeat", "1", "--fresh"],
    "import_rows.py": ["--n", "5"],
    "verify_page.py": [
        "--seconds",
        "0.5",
        "--clients",
        "2",
        "--workers",
        "1",
        "--credentials",
        "2",
    ],
    "usi_bulk_verify.py": ["--n", "2"],
    "verify_event_log.py": ["--n", "20"],
}
POSTGRES_ONLY = {"register_reports.py", "verify_page.py"}


def test_every_benchmark_make_bench_runs_is_smoke_tested():
    assert {Path(command[1]).name for command in run.RUNS} == set(TINY)


@pytest.fixture(scope="module")
def bench_env(tmp_path_factory):
    """The environment the benchmarks run in, with one migrated database they copy."""
    tmp = tmp_path_factory.mktemp("bench")
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}", "DEBUG": "1"}
    if ON_POSTGRES:
        base, _, own = env["DATABASE_URL"].rpartition("/")
        # Names of its own: never the developer's kept register data (<name>_bench_reports).
        # One set per xdist worker: two workers may set this fixture up at the same time.
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        own = f"{own.split('?')[0]}_smoke_{worker}"
        template = f"{own}_template"
        server = f"{base}/postgres"
        subprocess.run(
            [PSQL, server, "-qc", f"DROP DATABASE IF EXISTS {template} WITH (FORCE)"], check=True
        )
        subprocess.run([PSQL, server, "-qc", f"CREATE DATABASE {template}"], check=True)
        env["DATABASE_URL"] = f"{base}/{own}"
        migrate_url = f"{base}/{template}"
    else:
        template = str(tmp / "template.sqlite3")
        migrate_url = f"sqlite:///{template}"
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"],
        env={**env, "DATABASE_URL": migrate_url},
        check=True,
    )
    yield {**env, TEMPLATE: template}
    if ON_POSTGRES:  # the template and every database the benchmarks made from it
        made = subprocess.run(
            [
                PSQL,
                server,
                "-qtAc",
                f"SELECT datname FROM pg_database WHERE datname LIKE '{own}_%'",  # noqa: S608
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        for name in made:
            subprocess.run(
                [PSQL, server, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=True
            )


def _run(script: str, env: dict, extra: tuple[str, ...] = ()) -> list[dict]:
    result = subprocess.run(
        [sys.executable, str(BENCH / script), *TINY[script], *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert lines, result.stdout
    assert all("skipped" not in line for line in lines), lines
    return lines


@pytest.mark.parametrize("script", sorted(set(TINY) - POSTGRES_ONLY))
def test_benchmark_runs(script, bench_env):
    lines = _run(script, bench_env)
    if script == "bulk_generate.py":
        runs = [line for line in lines if line["bench"] == "bulk_generate"]
        assert [(line["kind"], line["done"], line["failed"]) for line in runs] == [
            ("preview", 3, 0),
            ("issue", 3, 0),
        ]
        assert all(line["pipeline_efficiency"] > 0 for line in runs)
        assert all(0 <= line["seconds_files"] < line["seconds"] for line in runs)
    if script == "make_badges.py":
        assert lines[0]["n"] == 2
    if script == "verify_event_log.py":
        assert all(line["ok"] for line in lines), lines


def test_engine_raw_split_runs(bench_env):
    (line,) = _run("engine_raw.py", bench_env, ("--split",))
    assert line["bench"] == "engine_raw_split"
    assert set(line["parts_ms"]) == {
        "qr",
        "data_json",
        "typst_setup",
        "typst_layout",
        "pdf_export",
        "child_overhead",
    }


@pytest.mark.postgres
@pytest.mark.parametrize("script", sorted(POSTGRES_ONLY))
def test_postgres_benchmark_runs(script, bench_env):
    lines = _run(script, bench_env)
    if script == "register_reports.py":
        benches = {line["bench"] for line in lines}
        assert benches == {
            "register_load",
            "register_page",
            "register_report",
            "dashboard",
            "register_export",
            "register_growth",
        }
        growth = [line for line in lines if line["bench"] == "register_growth"]
        assert [line["n"] for line in growth] == [[100, 200]] * 3
    if script == "verify_page.py":
        assert [line["case"] for line in lines] == ["trivial view", "/v/<code>"]
        assert all(set(line["statuses"]) == {"200"} for line in lines), lines
