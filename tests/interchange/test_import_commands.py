"""The management commands: import_spreadsheet, avetmiss_import and avetmiss_export."""

import io
import zipfile

import pytest
from django.core.management import CommandError, call_command

from testamur.learners.models import Learner
from tests.factories import (
    course_make,
    enrolment_make,
    offer_make,
    organisation_configured,
    unit_make,
)
from tests.interchange import nat_fixtures as nat

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_spreadsheet_is_a_dry_run_unless_committed(tmp_path, rto_admin):
    path = tmp_path / "learners.csv"
    path.write_text("Student No,Given name,Family name\nS001,Mia,Nguyen\n")

    out, _ = run("import_spreadsheet", str(path), "--kind", "learners")
    assert "Learners: 1 added, 0 updated, 0 unchanged (dry run: nothing changed)" in out
    assert not Learner.objects.exists()

    out, _ = run(
        "import_spreadsheet",
        str(path),
        "--kind",
        "learners",
        "--commit",
        "--user",
        rto_admin.username,
    )
    assert "Learners: 1 added, 0 updated, 0 unchanged\n" in out
    assert Learner.objects.get().client_id == "S001"


def test_import_spreadsheet_lists_problems_and_fails(tmp_path):
    path = tmp_path / "learners.csv"
    path.write_text("ID,Given name,Family name,Date of birth\nS001,Mia,Nguyen,soon\n")

    err = io.StringIO()
    with pytest.raises(CommandError, match="1 problems found; nothing imported"):
        call_command("import_spreadsheet", str(path), "--kind", "learners", "--commit", stderr=err)
    assert "row 2, Date of birth: 'soon' is not a date" in err.getvalue()
    assert not Learner.objects.exists()


def test_a_column_can_be_matched_on_the_command_line(tmp_path):
    path = tmp_path / "learners.csv"
    path.write_text("Code,Given name,Family name\nS001,Mia,Nguyen\n")

    run(
        "import_spreadsheet",
        str(path),
        "--kind",
        "learners",
        "--column",
        "client_id=Code",
        "--commit",
    )

    assert Learner.objects.get().client_id == "S001"


def test_avetmiss_import_and_export_commands(tmp_path):
    folder = tmp_path / "nat"
    folder.mkdir()
    for name, content in nat.nat_set().items():
        (folder / name).write_text(content, newline="")

    out, _ = run("avetmiss_import", *sorted(str(p) for p in folder.iterdir()), "--commit")
    assert "Learners: 3 added" in out
    assert Learner.objects.count() == 3

    zip_path = tmp_path / "export.zip"
    out, _ = run(
        "avetmiss_export", "--from", "2026-01-01", "--to", "2026-12-31", "--output", str(zip_path)
    )
    assert "NAT00120: 5 lines" in out
    with zipfile.ZipFile(zip_path) as archive:
        assert archive.read("NAT00080.txt").count(b"\r\n") == 3


def test_avetmiss_export_writes_nothing_when_there_are_problems(tmp_path):
    organisation_configured()
    enrolment_make(offer=offer_make(course_make(units=[unit_make()]), code="NOWHERE-1"))
    folder = tmp_path / "out"
    folder.mkdir()
    zip_path = folder / "export.zip"

    with pytest.raises(CommandError, match="No files written"):
        run("avetmiss_export", "--from", "2026-01-01", "--to", "2026-12-31", "--output", zip_path)

    assert not list(folder.iterdir())
