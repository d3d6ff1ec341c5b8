"""Inputs that used to answer 500 (security review) get a clear answer and change nothing."""

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from testamur.credentials.models import GenerationRun
from testamur.interchange.avetmiss.export import DATES_OUT_OF_RANGE
from testamur.interchange.models import ImportJob, ImportStatus
from testamur.interchange.reading import MAX_COLUMNS, TOO_MANY_COLUMNS
from tests.factories import credential_make, organisation_configured

pytestmark = pytest.mark.django_db


@pytest.fixture
def credential():
    organisation_configured()
    return credential_make()


@pytest.mark.parametrize("next_value", ["abc", "javascript:alert(1)", "//evil.example/"])
def test_a_next_that_is_not_a_path_of_this_site_goes_back_to_the_register(
    next_value, credential, rto_admin_client, rto_user_client
):
    pages = [
        rto_admin_client.get(
            "/credentials/issue/", {"credential": credential.pk, "next": next_value}
        ),
        rto_admin_client.get(
            "/credentials/cancel/", {"credential": credential.pk, "next": next_value}
        ),
        rto_user_client.post(
            "/credentials/bulk/", {"action": "no-such-action", "next": next_value}
        ),
        rto_user_client.post("/credentials/bulk/", {"action": "preview", "next": next_value}),
        rto_user_client.post(
            f"/credentials/{credential.pk}/regenerate/", {"revision": "0", "next": next_value}
        ),
    ]
    for response in pages:
        assert response.status_code in (200, 302)
        if response.status_code == 302:
            assert response["Location"].startswith("/credentials/")


@pytest.mark.parametrize(
    "start,end", [(date(1970, 1, 1), date(1970, 12, 31)), (date(2026, 1, 1), date(2200, 1, 1))]
)
def test_avetmiss_dates_a_zip_cannot_hold_are_refused_with_the_reason(
    start, end, rto_admin_client, tmp_path
):
    organisation_configured()
    page = rto_admin_client.post(
        "/avetmiss/", {"date_from": start.isoformat(), "date_to": end.isoformat()}
    )
    assert page.status_code == 200
    assert DATES_OUT_OF_RANGE in page.content.decode()

    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "avetmiss_export",
            "--from",
            start.isoformat(),
            "--to",
            end.isoformat(),
            "--output",
            str(tmp_path / "out.zip"),
            stderr=err,
        )
    assert DATES_OUT_OF_RANGE in err.getvalue()
    assert not (tmp_path / "out.zip").exists()


def _upload(client, content: bytes):
    return client.post(
        "/import/",
        {
            "upload": "spreadsheet",
            "sheet-kind": "learners",
            "sheet-file": SimpleUploadedFile("learners.csv", content),
        },
    )


def _media_files(settings) -> list:
    root = settings.MEDIA_ROOT / "imports"
    return list(root.iterdir()) if root.exists() else []


def test_a_header_cell_too_long_to_read_is_refused_and_the_file_not_kept(
    rto_admin_client, settings
):
    response = _upload(rto_admin_client, b"Client ID," + b"x" * 140_000 + b"\nC1,a\n")

    assert response.status_code == 200
    assert "Row 1 cannot be read (a cell is longer than 131,072 characters)" in (
        response.content.decode()
    )
    assert ImportJob.objects.count() == 0
    assert _media_files(settings) == []


def test_a_data_cell_too_long_to_read_ends_the_check_with_the_reason(rto_admin_client, settings):
    response = _upload(
        rto_admin_client, b"Client ID,Given name,Family name\nC1,Ann," + b"y" * 140_000 + b"\n"
    )
    job = ImportJob.objects.get()
    assert response["Location"] == f"/import/{job.pk}/columns/"

    columns = rto_admin_client.get(f"/import/{job.pk}/columns/")
    assert columns.status_code == 200
    mapping = {f"column_{field}": header for field, header in job.mapping.items()}
    checked = rto_admin_client.post(
        f"/import/{job.pk}/columns/", {**mapping, "dry_run": "on"}, follow=True
    )

    job.refresh_from_db()
    assert checked.status_code == 200
    assert job.status == ImportStatus.FAILED
    assert "Row 2 cannot be read (a cell is longer than 131,072 characters)" in job.message
    assert not job.file
    assert _media_files(settings) == []


def test_a_file_with_thousands_of_columns_is_refused_quickly(rto_admin_client, settings):
    header = ",".join(f"c{i}" for i in range(60_000)).encode()

    response = _upload(rto_admin_client, header + b"\n" + b"1," * 59_999 + b"1\n")

    assert response.status_code == 200
    assert TOO_MANY_COLUMNS.format(count=60_000, limit=MAX_COLUMNS) in response.content.decode()
    assert len(response.content) < 200_000
    assert _media_files(settings) == []


def test_nothing_was_started_by_the_refused_inputs():
    assert GenerationRun.objects.count() == 0
