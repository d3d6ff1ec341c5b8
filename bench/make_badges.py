"""Making the signed Open Badges credentials on their own: the work the background task does
right after an issue (compose from the issuance record, canonicalise, sign, store).

Issues N credentials in process (tasks inline), forgets their digital credentials, then times
making them again in the task's batches. Prints one JSON object; asserts nothing.

    .venv/bin/python bench/make_badges.py --n 200
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
sys.path.insert(0, str(ROOT))

from bench.common import database_url  # noqa: E402

MANAGE = ROOT / "manage.py"
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
    subprocess.run([sys.executable, str(MANAGE), "migrate", "-v0"], env=env, check=True)

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "testamur.settings")
    django.setup()
    from django.utils import timezone

    from bench.fixtures import issue_ready_credentials
    from testamur.credentials.issue_options import IssueOptions
    from testamur.credentials.models import Credential, RunKind
    from testamur.credentials.runs import run_start
    from testamur.verification.models import DigitalCredential
    from testamur.verification.services import digital_credentials_make

    actor, credentials = issue_ready_credentials(args.n)
    run_start(actor=actor, kind=RunKind.PREVIEW, credentials=credentials)
    run_start(
        actor=actor,
        kind=RunKind.ISSUE,
        credentials=credentials,
        options=IssueOptions(issued_on=timezone.localdate()),
    )
    ids = list(Credential.objects.filter(status="issued").values_list("pk", flat=True))
    DigitalCredential.objects.all().delete()

    started = time.perf_counter()
    made = 0
    for start in range(0, len(ids), BATCH):
        made += len(digital_credentials_make(credential_ids=ids[start : start + BATCH]))
    elapsed = time.perf_counter() - started
    print(
        json.dumps(
            {
                "bench": "make_badges",
                "n": made,
                "database": env["DATABASE_URL"].split(":")[0],
                "seconds": round(elapsed, 2),
                "ms_per_badge": round(1000 * elapsed / max(made, 1), 1),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
