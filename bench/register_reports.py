"""The credential register at scale on PostgreSQL: pages, reports and exports over N credentials.

Loads N credentials (default 1,000,000; BENCH_REGISTER_N or --n) into their own database,
<DATABASE_URL's name>_bench_reports, with bulk SQL (INSERT … SELECT generate_series): 400
courses, N/50 offers, N/2 learners, N course enrolments, one credential each, in every status.
The data is kept between runs and reused when N matches (--fresh rebuilds it).

Then, through Django's test client (server time, no network):
  register_page    the credential register: first page, a page deep in the register (by
                   cursor), filtered by status, by offer, and a search by learner ID
  register_report  the register report by course offer and by course: first page, a deep
                   page, filtered by status, by an issued-date month, by issuing officer
  dashboard        the home page (credential counts, 30-day clock, unverified USIs)
  register_export  CSV and XLSX of every row, each in a fresh process: rows/s and peak RSS
                   (the XLSX through the background export's task body, as a worker runs it)

One JSON object per line. Times are medians of --repeat runs (max alongside), split into time
in database queries and Python CPU time (wall time on a busy machine includes waiting for a
core); nothing is asserted. Needs PostgreSQL (DATABASE_URL, or postgres://postgres@127.0.0.1:5432).

    .venv/bin/python bench/register_reports.py --n 1000000
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import TEMPLATE, migrate  # noqa: E402

MANAGE = ROOT / "manage.py"
DEFAULT_N = int(os.environ.get("BENCH_REGISTER_N", "1000000"))


def _database_name() -> str:
    """Named after the database given, so benchmarks run from two checkouts never collide."""
    url = os.environ.get("DATABASE_URL", "")
    own = url.rpartition("/")[2].split("?")[0] if url.startswith("postgres") else "testamur"
    return f"{own}_bench_reports"


DB_NAME = _database_name()


def _server_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        return url.rpartition("/")[0]
    return "postgres://postgres@127.0.0.1:5432"


def _psql(server: str, sql: str, database: str = "postgres") -> str:
    result = subprocess.run(
        ["psql", f"{server}/{database}", "-qtAc", sql], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def _environment(server: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": f"{server}/{DB_NAME}",
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-not-secret",
        # Plain http here; in production a proxy terminates TLS (settings: SECURE_SSL_REDIRECT).
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "testserver",
        "LOG_LEVEL": "ERROR",
        "TASKS_BACKEND": "django_tasks.backends.dummy.DummyBackend",
        "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}",
    }


def _loaded(server: str) -> int:
    """How many credentials the bench database holds (-1 if it is not there)."""
    exists = _psql(server, f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'")  # noqa: S608
    if not exists:
        return -1
    try:
        return int(_psql(server, "SELECT count(*) FROM credentials_credential", DB_NAME))
    except subprocess.CalledProcessError:
        return -1


# Five years of offers up to today. Credentials for completions older than 60 days are issued
# (4% cancelled); newer ones are anywhere on their way. A multiplicative hash spreads statuses
# evenly over courses and offers, as in life; rows are inserted in date order, as they would
# have been written. Each step gives the columns it varies; every other NOT NULL column takes
# its model default (`_insert`), so a column added later cannot break the load.
FILL = [
    (
        "training.Course",
        {
            "code": "'BEN' || lpad(i::text, 5, '0')",
            "title": "'Certificate III in Benchmarking ' || i",
            "course_type": "'qualification'",
            "aqf_level": "3",
            "nominal_hours": "400",
        },
        "FROM generate_series(1, 400) i",
    ),
    (
        "training.CourseOffer",
        {
            "course_id": "c.id",
            "code": "'OFF-' || lpad(i::text, 7, '0')",
            "start_date": "current_date - 1825 + (i * 1825 / {offers})",
            "end_date": "current_date - 1825 + (i * 1825 / {offers}) + 180",
            "trainer": "'Sam Trainer'",
        },
        """FROM generate_series(0, {offers} - 1) i
JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM training_course) c
  ON c.k = (i * 7919) % 400""",
    ),
    (
        "learners.Learner",
        {
            "client_id": "'B' || lpad(i::text, 9, '0')",
            "given_name": "(ARRAY['Mia','Noah','Ava','Leo','Zoe','Jack','Ella','Liam','Isla',"
            "'Oscar'])[1 + i % 10]",
            "family_name": "(ARRAY['Nguyen','Smith','Jones','Brown','Wilson','Taylor','Lee',"
            "'Martin','Kelly','Chen','Singh','Walker','White','Harris','Lewis'])"
            "[1 + (i / 10) % 15] || ' ' || i",
            "gender": "'@'",
            "email": "'learner' || i || '@example.com'",
            "usi": "CASE WHEN i % 50 = 0 THEN 'U' || lpad(i::text, 9, '0') END",
            "usi_status": "CASE WHEN i % 50 = 0 THEN 'not_verified' ELSE 'exemption_indiv' END",
        },
        "FROM generate_series(0, {learners} - 1) i",
    ),
    (
        "training.CourseEnrolment",
        {
            "learner_id": "l.id",
            "offer_id": "o.id",
            "status": "CASE WHEN o.end_date < current_date THEN 'completed' ELSE 'active' END",
            "commencement_date": "o.start_date",
            "completion_date": "CASE WHEN o.end_date < current_date THEN o.end_date - (i % 10) END",
        },
        """FROM generate_series(0, {n} - 1) i
JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM learners_learner) l
  ON l.k = i / 2
JOIN (SELECT id, start_date, end_date, row_number() OVER (ORDER BY id) - 1 AS k
      FROM training_courseoffer) o ON o.k = i % {offers}
ORDER BY o.start_date, i""",
    ),
    (
        "credentials.Credential",
        {
            "credential_type": "t.credential_type",
            "template_id": "t.id",
            "learner_id": "e.learner_id",
            "course_enrolment_id": "e.id",
            "course_id": "e.course_id",
            "number": "CASE WHEN s.status IN ('issued', 'cancelled') "
            "THEN 'TM-' || lpad(e.k::text, 7, '0') END",
            "credential_date": "d.day",
            "issuing_officer_id": "CASE WHEN s.status IN ('issued', 'cancelled') THEN officer.id "
            "END",
            "status": "s.status",
            "status_reason": "CASE WHEN s.status = 'cancelled' THEN 'Wrong name on the document' "
            "ELSE '' END",
            "issued_on": "CASE WHEN s.status IN ('issued', 'cancelled') "
            "THEN least(d.day + (e.k % 5)::int, current_date) END",
            "document": "CASE WHEN s.status IN ('issued', 'cancelled') "
            "THEN 'credentials/issued/TM-' || lpad(e.k::text, 7, '0') || '.pdf' ELSE '' END",
            "created_at": "d.day + make_interval(secs => e.k % 86400)",
        },
        """FROM (SELECT ce.id, ce.learner_id, ce.completion_date, ce.commencement_date,
             o.course_id, row_number() OVER (ORDER BY ce.id) - 1 AS k
      FROM training_courseenrolment ce JOIN training_courseoffer o ON o.id = ce.offer_id) e
CROSS JOIN LATERAL (SELECT coalesce(e.completion_date, e.commencement_date) + (e.k % 10)::int
                           AS day, (e.k * 2654435761) % 4294967296 % 100 AS roll) d
CROSS JOIN LATERAL (SELECT CASE
    WHEN e.completion_date IS NULL THEN 'requested'
    WHEN e.completion_date < current_date - 60 THEN
         CASE WHEN d.roll < 96 THEN 'issued' ELSE 'cancelled' END
    WHEN d.roll < 40 THEN 'issued' WHEN d.roll < 65 THEN 'generated'
    WHEN d.roll < 90 THEN 'requested' WHEN d.roll < 95 THEN 'failed'
    ELSE 'cancelled' END AS status) s
JOIN (SELECT id, credential_type, row_number() OVER (ORDER BY id) - 1 AS k
      FROM credentials_credentialtemplate
      WHERE is_builtin AND credential_type IN
            ('testamur', 'statement_of_attainment', 'record_of_results')) t ON t.k = e.k % 3
JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM accounts_user) officer
  ON officer.k = e.k % 5
ORDER BY d.day, e.k""",
    ),
]


def _insert(label: str, given: dict, tail: str, sizes: dict) -> None:
    """INSERT … SELECT with `given` column expressions; each other NOT NULL column gets its
    model default as a parameter (an error names a NOT NULL column that has no default)."""
    from django.apps import apps
    from django.db import connection

    model = apps.get_model(label)
    columns, values, params = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key and field.column not in given:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.column in given:
            values.append(given[field.column].replace("%", "%%").format(**sizes))
        elif field.null:
            values.append("NULL")
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            values.append("now()")
        elif (default := field.get_default()) is not None:  # "" for text fields
            values.append("%s")
            params.append(field.get_db_prep_save(default, connection))
        else:
            raise SystemExit(f"{label}.{field.name}: NOT NULL without a default; give it in FILL")
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} {tail.replace('%', '%%').format(**sizes)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _fill(n: int) -> None:
    _setup_django()
    from django.db import transaction

    from testamur.accounts.services import user_create

    with transaction.atomic():
        for i in range(5):
            user_create(
                username=f"officer{i}",
                role="Admin",
                password="x" * 20,
                first_name="Officer",
                last_name=str(i),
                email=f"officer{i}@rto.example",
            )
        sizes = {"n": n, "learners": (n + 1) // 2, "offers": max(1, n // 50)}
        for label, given, tail in FILL:
            _insert(label, given, tail, sizes)


def _load(server: str, n: int, env: dict) -> float:
    started = time.perf_counter()
    _psql(server, f"DROP DATABASE IF EXISTS {DB_NAME}")
    template = os.environ.get(TEMPLATE)
    _psql(server, f"CREATE DATABASE {DB_NAME}" + (f" TEMPLATE {template}" if template else ""))
    migrate(env)
    me = [sys.executable, str(Path(__file__).resolve()), "--n", str(n)]
    subprocess.run([*me, "--child", "load"], env=env, check=True)
    subprocess.run(["psql", f"{server}/{DB_NAME}", "-qc", "VACUUM ANALYZE"], check=True)
    return time.perf_counter() - started


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _setup_django():
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "testamur.settings")
    django.setup()


def _client():
    from django.test import Client

    from testamur.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username="officer0"))
    return client


def _time_get(client, url: str, params: dict, repeat: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, cpu, db = [], [], []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(url, params)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
        db.append(sum(float(q["time"]) for q in queries.captured_queries) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} {params}: HTTP {response.status_code}")
    return {
        "ms_median": round(statistics.median(times), 1),
        "ms_max": round(max(times), 1),
        "db_ms_median": round(statistics.median(db), 1),
        "python_cpu_ms_median": round(statistics.median(cpu), 1),
        "queries": len(queries),
    }


def _pages(n: int, repeat: int) -> None:
    _setup_django()
    from testamur.credentials.models import Credential
    from testamur.training.models import CourseOffer

    client = _client()
    client.get("/")  # warm caches (time zone, content types, templates)
    middle = Credential.objects.order_by("id").values_list("id", flat=True)[n // 2]
    offer = CourseOffer.objects.order_by("id")[len(CourseOffer.objects.all()) // 2]
    learner_id = Credential.objects.get(pk=middle).learner.client_id
    month = (date.today() - timedelta(days=730)).replace(day=1)
    cases = [
        ("register_page", "first page", "/credentials/", {}),
        ("register_page", "deep page (cursor at the middle)", "/credentials/", {"after": middle}),
        ("register_page", "status cancelled", "/credentials/", {"status": "cancelled"}),
        ("register_page", "one course offer", "/credentials/", {"offer": offer.pk}),
        ("register_page", "search by learner ID", "/credentials/", {"q": learner_id}),
        ("register_report", "by offer, first page", "/reports/register/", {"group": "offer"}),
        ("register_report", "by course, first page", "/reports/register/", {"group": "course"}),
        (
            "register_report",
            "by offer, deep page (cursor at the middle)",
            "/reports/register/",
            {"group": "offer", "after": middle},
        ),
        (
            "register_report",
            "by course, deep page (cursor at the middle)",
            "/reports/register/",
            {"group": "course", "after": middle},
        ),
        (
            "register_report",
            "by course, status cancelled",
            "/reports/register/",
            {"group": "course", "status": "cancelled"},
        ),
        (
            "register_report",
            "by offer, issued in one month",
            "/reports/register/",
            {
                "group": "offer",
                "date_field": "issued_date",
                "date_from": month.isoformat(),
                "date_to": (month + timedelta(days=30)).isoformat(),
            },
        ),
        (
            "register_report",
            "by course, one issuing officer",
            "/reports/register/",
            {"group": "course", "officer": client.session["_auth_user_id"]},
        ),
        ("register_report", "by offer, one offer", "/reports/register/", {"offer": offer.pk}),
        ("dashboard", "home page", "/", {}),
        ("dashboard", "30-day clock report", "/reports/clock/", {}),
    ]
    for bench, case, url, params in cases:
        result = _time_get(client, url, params, repeat)
        print(json.dumps({"bench": bench, "case": case, "n": n, **result}), flush=True)


def _export(kind: str, n: int) -> None:
    """One export of every row, in this (fresh) process: rows/s and the peak RSS.

    The XLSX goes through the background export's task body (register_export_write), in this
    process: the same rows, progress updates and file storage a worker does, into a temporary
    MEDIA_ROOT deleted afterwards.
    """
    if kind == "xlsx":
        media = tempfile.mkdtemp(prefix="bench-exports-")
        os.environ["MEDIA_ROOT"] = media
    _setup_django()
    from testamur.reports import exports
    from testamur.reports.selectors import ReportFilters

    baseline = _peak_rss_mb()
    started = time.perf_counter()
    extra = {}
    if kind == "csv":
        rows, size = -1, 0  # the heading line is not a row
        for chunk in exports.csv_stream(ReportFilters(grouping="offer")):
            rows += chunk.count("\n")
            size += len(chunk.encode())
    else:
        from testamur.accounts.models import User
        from testamur.reports.models import RegisterExport
        from testamur.reports.register_exports import register_export_write

        asked = RegisterExport.objects.create(
            requested_by=User.objects.get(username="officer0"),
            query="group=offer",
            filename="bench.xlsx",
        )
        try:
            export = register_export_write(export_id=asked.pk)
            if export.error:
                raise RuntimeError(export.error)
            rows, size = export.rows_done, export.file.size
            extra = {"status": export.status, "sheets": export.sheets}
        finally:
            RegisterExport.objects.filter(pk=asked.pk).delete()
            shutil.rmtree(media, ignore_errors=True)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "bench": "register_export",
                "format": kind,
                "n": n,
                "rows": rows,
                "seconds": round(seconds, 1),
                "rows_per_s": round(rows / seconds),
                "mb": round(size / 1e6, 1),
                "rss_before_mb": baseline,
                "peak_rss_mb": _peak_rss_mb(),
                **extra,
            }
        ),
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=DEFAULT_N)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--fresh", action="store_true", help="rebuild the data even if loaded")
    parser.add_argument("--exports", default="csv,xlsx", help="formats to export ('' for none)")
    parser.add_argument("--child", choices=["load", "pages", "csv", "xlsx"], help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child == "load":
        return _fill(args.n)
    if args.child == "pages":
        return _pages(args.n, args.repeat)
    if args.child:
        return _export(args.child, args.n)

    server = _server_url()
    env = _environment(server)
    try:
        _psql(server, "SELECT 1")
    except (subprocess.CalledProcessError, FileNotFoundError) as error:
        print(json.dumps({"bench": "register_reports", "skipped": f"no PostgreSQL: {error}"}))
        return None
    if args.fresh or _loaded(server) != args.n:
        seconds = _load(server, args.n, env)
        print(json.dumps({"bench": "register_load", "n": args.n, "seconds": round(seconds, 1)}))
    else:  # indexes added since the data was loaded
        subprocess.run([sys.executable, str(MANAGE), "migrate", "-v0"], env=env, check=True)
    me = [sys.executable, str(Path(__file__).resolve()), "--n", str(args.n)]
    subprocess.run([*me, "--child", "pages", "--repeat", str(args.repeat)], env=env, check=True)
    for kind in filter(None, args.exports.split(",")):
        subprocess.run([*me, "--child", kind], env=env, check=True)
    return None


if __name__ == "__main__":
    main()
