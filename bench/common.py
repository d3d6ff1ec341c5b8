"""What the benchmarks share: a fresh database to run against, and peak memory of a process."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

MANAGE = Path(__file__).resolve().parents[1] / "manage.py"
# A database already migrated (a SQLite file, or a PostgreSQL database name on the same server)
# to copy instead of migrating: the smoke test of every benchmark migrates once, not per bench.
TEMPLATE = "BENCH_MIGRATED_TEMPLATE"


def database_url(tmp: Path, name: str) -> str:
    """A new database: PostgreSQL when DATABASE_URL points at one, else a temporary SQLite file."""
    url = os.environ.get("DATABASE_URL", "")
    template = os.environ.get(TEMPLATE, "")
    if url.startswith("postgres"):
        base, _, own = url.rpartition("/")
        # Named after the database given, so benchmarks run from two checkouts never collide.
        name = f"{own.split('?')[0]}_{name}"
        create = f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else "")
        subprocess.run(
            ["psql", f"{base}/postgres", "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True
        )
        subprocess.run(["psql", f"{base}/postgres", "-qc", create], check=True)
        return f"{base}/{name}"
    path = Path(tmp) / f"{name}.sqlite3"
    if template:
        shutil.copyfile(template, path)
    return f"sqlite:///{path}"


def migrate(env: dict) -> None:
    """Bring the database from `database_url` to the current schema (a copied template is)."""
    if not os.environ.get(TEMPLATE):
        subprocess.run([sys.executable, str(MANAGE), "migrate", "-v0"], env=env, check=True)


def peak_rss_mb(pid: int | str = "self") -> float:
    """The most memory the process has held (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0
