"""Making the signed Open Badges credentials on their own: the work the background task does
right after an issue (compose from the issuance record, canonicalise, sign, store).

Issues N credentials in process (tasks inline), forgets their digital credentials, then times
making them again in the task's batches. Prints one JSON object; asserts nothing:
ms_per_badge (mean over all), ms_per_badge_median (median of the batches' ms per badge),
sign_ms_median (median of one proof_add: JSON-LD expansion, RDFC-1.0, hashing, Ed25519; and
sign_cpu_ms_median, its CPU time, less swayed by a loaded machine) and
sign_share (signing's part of the whole time; the rest is the database, composing and events).

    .venv/bin/python bench/make_badges.py --n 200
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import database_url, migrate  # noqa: E402

BATCH = 10  # an issue run's group: one task per group


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="testamur-bench-badges-"))
    env = {
        **os.environ,
        "DATABASE_URL": database_url(tmp, "testamur_bench_badges"),
        "MEDIA_ROOT": str(tmp / "media"),
        "TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "DEBUG": "1",
        "LOG_LEVEL": "ERROR",
    }
    os.environ.update(env)
    migrate(env)

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "testamur.settings")
    django.setup()
    from django.utils import timezone

    from bench.fixtures import issue_ready_credentials
    from testamur.credentials.issue_options import IssueOptions
    from testamur.credentials.models import Credential, RunKind
    from testamur.credentials.runs import run_start
    from testamur.verification import services
    from testamur.verification.models import DigitalCredential
    from testamur.verification.services import digital_credentials_make

    signing: list[float] = []
    signing_cpu: list[float] = []
    proof_add = services.proof_add

    def timed_proof_add(*args, **kwargs):
        started, started_cpu = time.perf_counter(), time.process_time()
        try:
            return proof_add(*args, **kwargs)
        finally:
            signing.append(time.perf_counter() - started)
            signing_cpu.append(time.process_time() - started_cpu)

    services.proof_add = timed_proof_add

    actor, credentials = issue_ready_credentials(args.n)
    run_start(actor=actor, kind=RunKind.PREVIEW, credentials=credentials)
    options = IssueOptions(issued_on=timezone.localdate())
    run_start(actor=actor, kind=RunKind.ISSUE, credentials=credentials, options=options)
    ids = list(Credential.objects.filter(status="issued").values_list("pk", flat=True))
    DigitalCredential.objects.all().delete()

    signing.clear()  # the issue run above made (and signed) them once already
    signing_cpu.clear()
    started = time.perf_counter()
    made = 0
    per_badge: list[float] = []
    for start in range(0, len(ids), BATCH):
        batch_started = time.perf_counter()
        count = len(digital_credentials_make(credential_ids=ids[start : start + BATCH]))
        if count:
            per_badge.append((time.perf_counter() - batch_started) / count)
        made += count
    elapsed = time.perf_counter() - started
    print(
        json.dumps(
            {
                "bench": "make_badges",
                "n": made,
                "database": env["DATABASE_URL"].split(":")[0],
                "seconds": round(elapsed, 2),
                "ms_per_badge": round(1000 * elapsed / max(made, 1), 1),
                "ms_per_badge_median": round(1000 * statistics.median(per_badge or [0]), 1),
                "sign_ms_median": round(1000 * statistics.median(signing or [0]), 2),
                "sign_cpu_ms_median": round(1000 * statistics.median(signing_cpu or [0]), 2),
                "sign_share": round(sum(signing) / elapsed, 2) if elapsed else 0,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
