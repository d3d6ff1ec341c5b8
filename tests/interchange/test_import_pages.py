"""The import pages: upload, match columns (remembered), dry run, report, import; progress for
large files; the AVETMISS upload and export pages; who may use them."""

import io
import zipfile

import pytest
from django.urls import reverse

from testamur.accounts.roles import Role
from testamur.interchange.models import ImportJob, ImportMapping, ImportStatus
from testamur.interchange.reading import FILE_UTF16
from testamur.interchange.services import import_job_run
from testamur.learners.models import Learner
from tests.factories import (
    course_make,
    enrolment_make,
    location_make,
    offer_make,
    organisation_configured,
    unit_make,
)
from tests.interchange import nat_fixtures as nat
from tests.interchange.helpers import upload

pytestmark = pytest.mark.django_db

CSV = (
    "Student No,First name,Surname,Birth\nS001,Mia,Nguyen,14/07/1998\nS002,Noah,Smith,02/03/1985\n"
)


def _upload(client, content=CSV, name="learners.csv", kind="learners"):
    return client.post(
        reverse("interchange:import"),
        {"upload": "spreadsheet", "sheet-kind": kind, "sheet-file": upload(name, content)},
    )


def _columns(**chosen) -> dict:
    data = {f"column_{field}": header for field, header in chosen.items()}
    data["dry_run"] = "on"
    return data


def test_upload_match_check_and_import(rto_admin_client):
    response = _upload(rto_admin_client)
    job = ImportJob.objects.get()
    assert response.url == reverse("interchange:job_columns", args=[job.pk])

    page = rto_admin_client.get(response.url)
    assert page.status_code == 200
    form = page.context["form"]
    assert form["column_client_id"].initial == "Student No"  # matched by name
    assert form["column_given_name"].initial == "First name"
    assert form["column_date_of_birth"].initial is None  # "Birth" is not a name Testamur knows
    assert "Mia · Noah" in page.content.decode()  # the first values of a column

    response = rto_admin_client.post(
        response.url,
        _columns(
            client_id="Student No",
            given_name="First name",
            family_name="Surname",
            date_of_birth="Birth",
        ),
    )
    assert response.url == reverse("interchange:job_detail", args=[job.pk])
    page = rto_admin_client.get(response.url).content.decode()
    assert "Dry run: nothing has changed yet" in page
    assert "Import 2 rows" in page
    assert not Learner.objects.exists()

    response = rto_admin_client.post(reverse("interchange:job_run", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportStatus.IMPORTED
    assert Learner.objects.get(client_id="S001").date_of_birth.isoformat() == "1998-07-14"
    assert "See the learners" in rto_admin_client.get(response.url).content.decode()


def test_the_last_column_choices_are_offered_for_the_next_file(rto_admin_client):
    _upload(rto_admin_client)
    first = ImportJob.objects.get()
    rto_admin_client.post(
        reverse("interchange:job_columns", args=[first.pk]),
        _columns(
            client_id="Student No",
            given_name="First name",
            family_name="Surname",
            date_of_birth="Birth",
        ),
    )
    assert ImportMapping.objects.get(kind="learners").columns["date_of_birth"] == "Birth"

    _upload(rto_admin_client, "Surname,Birth,First name,Student No\n")
    second = ImportJob.objects.latest("pk")
    form = rto_admin_client.get(reverse("interchange:job_columns", args=[second.pk])).context[
        "form"
    ]
    assert form["column_date_of_birth"].initial == "Birth"
    assert form["column_client_id"].initial == "Student No"


def test_a_column_left_unmatched_on_purpose_stays_unmatched(rto_admin_client):
    csv = "Learner ID,Given name,Family name,Email\nS1,A,B,a@example.com\n"
    _upload(rto_admin_client, csv)
    job = ImportJob.objects.get()
    rto_admin_client.post(
        reverse("interchange:job_columns", args=[job.pk]),
        _columns(client_id="Learner ID", given_name="Given name", family_name="Family name"),
    )
    _upload(rto_admin_client, csv)
    second = ImportJob.objects.latest("pk")
    assert "email" not in second.mapping


def test_required_columns_must_be_matched(rto_admin_client):
    _upload(rto_admin_client)
    job = ImportJob.objects.get()

    response = rto_admin_client.post(
        reverse("interchange:job_columns", args=[job.pk]),
        _columns(client_id="Student No", given_name="First name"),
    )

    assert response.status_code == 200
    assert "Match a column to “Family name”: every row needs it." in response.content.decode()
    job.refresh_from_db()
    assert job.status == ImportStatus.MAPPING


def test_problems_are_listed_with_row_and_column(rto_admin_client):
    _upload(rto_admin_client, CSV + "S003,Ava,Lee,31/02/2001\n")
    job = ImportJob.objects.get()

    response = rto_admin_client.post(
        reverse("interchange:job_columns", args=[job.pk]),
        _columns(
            client_id="Student No",
            given_name="First name",
            family_name="Surname",
            date_of_birth="Birth",
        ),
        follow=True,
    )

    page = response.content.decode()
    assert "1 problem found — nothing was imported" in page
    assert "&#x27;31/02/2001&#x27; is not a date" in page
    assert '<td class="num">4</td><td>Birth</td>' in page


def test_an_unreadable_file_is_refused_on_the_form(rto_admin_client):
    response = _upload(rto_admin_client, CSV.encode("utf-16"))
    assert response.status_code == 200
    assert FILE_UTF16 in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_large_file_is_checked_in_the_background_with_progress(rto_admin_client, settings):
    settings.IMPORT_INLINE_MAX_BYTES = 10
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    _upload(rto_admin_client)
    job = ImportJob.objects.get()

    response = rto_admin_client.post(
        reverse("interchange:job_columns", args=[job.pk]),
        _columns(client_id="Student No", given_name="First name", family_name="Surname"),
        follow=True,
    )

    page = response.content.decode()
    assert "checked in the background" in page
    assert 'hx-trigger="every 1s"' in page
    assert "<progress" in page
    progress = reverse("interchange:job_progress", args=[job.pk])
    assert "Waiting to start" in rto_admin_client.get(progress).content.decode()

    import_job_run(job.pk)  # what the worker does

    response = rto_admin_client.get(progress + "?watching=1")
    assert response["HX-Refresh"] == "true"
    job.refresh_from_db()
    assert (job.status, job.progress, job.rows_read) == (ImportStatus.CHECKED, 100, 2)


def test_nat_files_with_problems_are_listed_by_file_and_line(rto_admin_client):
    activities = [nat.changed(nat.ACTIVITIES[0], outcome="99"), *nat.ACTIVITIES[1:]]
    files = nat.nat_set(NAT00120=activities)
    uploads = [upload(name, content) for name, content in files.items()]

    response = rto_admin_client.post(
        reverse("interchange:import"), {"upload": "avetmiss", "nat-files": uploads}, follow=True
    )

    page = response.content.decode()
    assert "1 problem found — nothing was imported" in page
    assert '<td>NAT00120.txt</td><td class="num">1</td>' in page
    assert "Outcome identifier – national (72–73)" in page
    assert not Learner.objects.exists()


def test_the_export_page_downloads_the_zip(rto_admin_client):
    organisation_configured()
    unit = unit_make()
    course = course_make(units=[unit])
    offer = offer_make(course, location=location_make(code="PAR"))
    enrolment_make(offer=offer, outcomes={unit.code: "20"})

    response = rto_admin_client.post(
        reverse("interchange:avetmiss_export"),
        {"date_from": "2026-01-01", "date_to": "2026-12-31", "action": "download"},
    )

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="avetmiss-41234-20260101-20261231.zip"'
    )
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
        assert "NAT00120.txt" in archive.namelist()


def test_the_export_page_lists_what_stops_the_export(rto_admin_client):
    organisation_configured()
    enrolment_make(offer=offer_make(course_make(units=[unit_make()]), code="NOWHERE-1"))

    response = rto_admin_client.post(
        reverse("interchange:avetmiss_export"),
        {"date_from": "2026-01-01", "date_to": "2026-12-31"},
    )

    page = response.content.decode()
    assert "Validation: 1 error" in page
    assert "Offer NOWHERE-1 has no delivery location" in page
    assert "Download NAT files (zip)" not in page


@pytest.mark.parametrize(
    "role,allowed", [(Role.OWNER, True), (Role.ADMIN, True), (Role.USER, False)]
)
def test_only_admins_and_owners_import_and_export(role_client, role, allowed):
    client = role_client(role)
    for name in ("interchange:import", "interchange:avetmiss_export"):
        assert (client.get(reverse(name)).status_code == 200) == allowed
    nav = client.get(reverse("home")).content.decode()
    assert ('href="/import/"' in nav) == allowed
    assert ('href="/avetmiss/"' in nav) == allowed
    if not allowed:
        assert _upload(client).status_code == 403
        assert not ImportJob.objects.exists()


def test_nat_files_are_checked_then_imported_from_the_page(rto_admin_client):
    uploads = [upload(name, content) for name, content in nat.nat_set().items()]

    response = rto_admin_client.post(
        reverse("interchange:import"), {"upload": "avetmiss", "nat-files": uploads}, follow=True
    )

    page = response.content.decode()
    assert "Dry run: nothing has changed yet" in page
    assert "17 lines read" in page
    assert "Import these files" in page
    assert not Learner.objects.exists()
    job = ImportJob.objects.get()
    rto_admin_client.post(reverse("interchange:job_run", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportStatus.IMPORTED
    assert Learner.objects.count() == 3
