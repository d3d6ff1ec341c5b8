"""What the benchmarks share: a fresh database to run against, and peak memory of a process."""

import os
import subprocess
from pathlib import Path


def database_url(tmp: Path, name: str) -> str:
    """A new database: PostgreSQL when DATABASE_URL points at one, else a temporary SQLite file."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        base, _, own = url.rpartition("/")
        # Named after the database given, so benchmarks run from two checkouts never collide.
        name = f"{own.split('?')[0]}_{name}"
        subprocess.run(
            ["psql", f"{base}/postgres", "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True
        )
        subprocess.run(["psql", f"{base}/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
        return f"{base}/{name}"
    return f"sqlite:///{tmp / f'{name}.sqlite3'}"


def peak_rss_mb(pid: int | str = "self") -> float:
    """The most memory the process has held (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0
