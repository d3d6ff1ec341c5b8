"""Spreadsheet import of a large file: rows per second and peak memory.

Makes a fresh database (PostgreSQL when DATABASE_URL points at one, else a temporary SQLite
file) and a CSV of N learners, then times a dry run (every row checked, nothing written) and
the import itself (checked again, then written with an event per learner), through the same
services as the Import page. Prints one JSON object; asserts nothing about time.

    .venv/bin/python bench/import_rows.py --n 100000
"""

import argparse
import csv
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import database_url, migrate, peak_rss_mb  # noqa: E402

GIVEN = ("Mia", "Noah", "Olivia", "Jack", "Linh", "Arjun", "Fatima", "Sione", "Camila", "Wei")
FAMILY = ("Nguyen", "Smith", "Patel", "Haddad", "Tupou", "Rossi", "Kim", "Santos", "Brown")
STATES = (("NSW", "2150"), ("VIC", "3011"), ("QLD", "4215"), ("SA", "5000"), ("WA", "6000"))


def usi_for(row: int, rng: random.Random) -> str:
    """A valid USI unique to the row: four characters number it, the check character ends it."""
    from testamur.learners.usi import ALPHABET, usi_check_character

    number = "".join(ALPHABET[(row >> (5 * i)) % 32] for i in range(4))
    first_nine = "".join(rng.choice(ALPHABET) for _ in range(5)) + number
    return first_nine + usi_check_character(first_nine)


def write_csv(path: Path, n: int) -> None:
    rng = random.Random(41234)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["Student ID", "First name", "Surname", "DOB", "USI", "Email", "State", "Postcode"]
        )
        for row in range(n):
            state, postcode = rng.choice(STATES)
            born = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1960, 2008)}"
            writer.writerow(
                [
                    f"B{row:07d}",
                    rng.choice(GIVEN),
                    rng.choice(FAMILY),
                    born,
                    usi_for(row, rng),
                    f"learner{row}@example.com",
                    state,
                    postcode,
                ]
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="testamur-bench-"))
    env = {
        **os.environ,
        "DATABASE_URL": database_url(tmp, "testamur_bench_import"),
        "MEDIA_ROOT": str(tmp / "media"),
        # DEBUG off, as in production: with it on Django keeps every SQL statement in memory.
        "DEBUG": "0",
        "SECRET_KEY": "benchmark-only-not-secret",
        "LOG_LEVEL": "ERROR",
    }
    os.environ.update(env)
    migrate(env)

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "testamur.settings")
    django.setup()
    from django.core.files import File

    from testamur.interchange.models import ImportStatus
    from testamur.interchange.services import (
        import_job_create,
        import_job_map,
        import_job_start,
    )
    from testamur.learners.models import Learner

    path = tmp / "learners.csv"
    write_csv(path, args.n)
    baseline = peak_rss_mb()

    with path.open("rb") as handle:
        job = import_job_create(actor=None, kind="learners", upload=File(handle, path.name))
    import_job_map(actor=None, job=job, mapping=job.mapping, dry_run=True)
    started = time.perf_counter()
    job = import_job_start(job=job, commit=False, inline=True)
    checked = time.perf_counter() - started
    assert job.status == ImportStatus.CHECKED, job.errors[:3]

    started = time.perf_counter()
    job = import_job_start(job=job, commit=True, inline=True)
    imported = time.perf_counter() - started
    assert job.status == ImportStatus.IMPORTED, (job.message, job.errors[:3])
    assert Learner.objects.count() == args.n

    print(
        json.dumps(
            {
                "bench": "import_rows",
                "kind": "learners",
                "rows": args.n,
                "file_mb": round(path.stat().st_size / (1024 * 1024), 1),
                "database": env["DATABASE_URL"].split(":")[0],
                "check_seconds": round(checked, 2),
                "check_rows_per_s": round(args.n / checked),
                "import_seconds": round(imported, 2),
                "import_rows_per_s": round(args.n / imported),
                "peak_rss_mb": peak_rss_mb(),
                "peak_rss_before_import_mb": baseline,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
