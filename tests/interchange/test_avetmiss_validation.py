"""Validation before submission: the export page checks the files it would hand over, lists
every problem by file, line, field and rule with a link to fix it, and refuses files with
errors unless an Admin gives the reason to download them anyway (recorded)."""

import io
import zipfile
from collections import Counter
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from testamur.core.models import Event
from testamur.interchange.avetmiss.validation import (
    NOT_IN_LIST,
    PRIOR_FLAG_WITHOUT_RECORDS,
    USI_MISSING,
)
from testamur.interchange.services import EXPORT_HAS_ERRORS, avetmiss_check, avetmiss_export
from testamur.learners.models import Language, UsiStatus
from tests.factories import (
    course_make,
    enrolment_make,
    learner_make,
    location_make,
    offer_make,
    organisation_configured,
    unit_make,
)

pytestmark = pytest.mark.django_db

PERIOD = {"date_from": date(2026, 1, 1), "date_to": date(2026, 12, 31)}
POSTED = {"date_from": "2026-01-01", "date_to": "2026-12-31"}


@pytest.fixture
def offer():
    organisation_configured()
    course = course_make("BSB40120", units=[unit_make("BSBWHS411")])
    return offer_make(course, location=location_make(code="PAR"))


def _client(offer, **fields):
    learner = learner_make(**fields)
    enrolment_make(learner=learner, offer=offer, outcomes={"BSBWHS411": "20"})
    return learner


def test_a_code_no_longer_in_the_list_is_an_error_on_its_line_and_field(offer):
    _client(offer, client_id="C001")
    learner = _client(offer, client_id="C002", language_id="2401")
    Language.objects.filter(pk="2401").update(is_current=False)

    result = avetmiss_check(**PERIOD)

    (finding,) = result.report.findings
    assert (finding.severity, finding.rule, finding.file, finding.line, finding.field) == (
        "error",
        "CODE",
        "NAT00080",
        2,
        "Language identifier (87–90)",
    )
    assert finding.message == NOT_IN_LIST.format(value="2401", list="language")
    assert finding.link == reverse("learners:detail", args=[learner.pk])


def test_a_prior_education_flag_needs_its_achievements(offer):
    learner = _client(offer, client_id="C001", prior_education="Y")

    result = avetmiss_check(**PERIOD)

    assert [(f.rule, f.message, f.link) for f in result.report.findings] == [
        ("400", PRIOR_FLAG_WITHOUT_RECORDS, reverse("learners:detail", args=[learner.pk]))
    ]


def test_a_missing_usi_is_a_warning(offer):
    _client(offer, client_id="C001", usi_status=UsiStatus.NOT_SUPPLIED)

    result = avetmiss_check(**PERIOD)

    assert [(f.severity, f.rule, f.message) for f in result.report.findings] == [
        ("warning", "USI", USI_MISSING)
    ]


def test_files_with_errors_are_refused_unless_a_reason_is_given(offer, rto_admin):
    _client(offer, client_id="C001", prior_education="Y")

    refused = avetmiss_export(actor=rto_admin, out=io.BytesIO(), **PERIOD)
    assert refused.refused == EXPORT_HAS_ERRORS.format(count=1, s="")
    assert not Event.objects.filter(subject_type="avetmiss_export").exists()

    out = io.BytesIO()
    taken = avetmiss_export(
        actor=rto_admin, out=out, override_reason="Interim copy for the state", **PERIOD
    )
    assert not taken.refused
    with zipfile.ZipFile(out) as archive:
        assert archive.read("NAT00080.txt").count(b"\r\n") == 1
    event = Event.objects.get(subject_type="avetmiss_export")
    assert (event.action, event.reason, event.actor, event.data["errors"]) == (
        "exported_with_errors",
        "Interim copy for the state",
        rto_admin,
        1,
    )


def test_the_page_shows_every_problem_and_downloads_only_with_a_reason(rto_admin_client, offer):
    learner = _client(offer, client_id="C001", prior_education="Y")
    url = reverse("interchange:avetmiss_export")

    checked = rto_admin_client.post(url, {**POSTED, "action": "check"}).content.decode()
    assert "Validation: 1 error, 0 warnings" in checked
    assert "NAT00080" in checked and "Prior educational achievement flag (98)" in checked
    assert f'href="{reverse("learners:detail", args=[learner.pk])}"' in checked
    assert "Download with 1 error" in checked

    refused = rto_admin_client.post(url, {**POSTED, "action": "download"})
    assert "Content-Disposition" not in refused
    assert EXPORT_HAS_ERRORS.format(count=1, s="") in refused.content.decode()

    taken = rto_admin_client.post(
        url, {**POSTED, "action": "download", "override_reason": "Interim copy"}
    )
    assert taken["Content-Disposition"].startswith("attachment;")
    assert Event.objects.get(subject_type="avetmiss_export").reason == "Interim copy"


def test_clean_files_download_straight_away(rto_admin_client, offer):
    _client(offer, client_id="C001")
    url = reverse("interchange:avetmiss_export")

    checked = rto_admin_client.post(url, {**POSTED, "action": "check"}).content.decode()
    assert "The files pass every check Testamur makes" in checked
    assert "Download NAT files (zip)" in checked


def test_the_export_command_writes_files_with_errors_only_with_a_reason(offer, tmp_path):
    from django.core.management import CommandError, call_command

    _client(offer, client_id="C001", prior_education="Y")
    output = tmp_path / "nat.zip"
    errors = io.StringIO()

    with pytest.raises(CommandError, match="No files written"):
        args = ["--from", "2026-01-01", "--to", "2026-12-31", "--output", str(output)]
        call_command("avetmiss_export", *args, stderr=errors)
    assert not output.exists()
    assert "ERROR 400 NAT00080, line 1, Prior educational achievement flag (98)" in (
        errors.getvalue()
    )

    call_command("avetmiss_export", *args, "--override-reason", "Copy for the auditor")
    assert output.exists()


@pytest.fixture
def demo(db, settings, tmp_path):
    from testamur.demo.seed import demo_seed

    settings.VAR_DIR = tmp_path / "var"
    demo_seed()


def test_the_demo_s_last_and_current_year_pass_with_real_client_details(demo):
    year = timezone.localdate().year
    for period in (year - 1, year):
        out = io.BytesIO()
        result = avetmiss_export(
            actor=None, date_from=date(period, 1, 1), date_to=date(period, 12, 31), out=out
        )
        assert not result.report.errors, result.report.ordered()[:5]
        with zipfile.ZipFile(out) as archive:
            clients = archive.read("NAT00080.txt").decode("ascii").split("\r\n")[:-1]
            activity = archive.read("NAT00120.txt").decode("ascii").split("\r\n")[:-1]
        assert len(clients) > 100
        fields = {
            "school level": (70, 72),
            "Indigenous status": (85, 86),
            "language": (86, 90),
            "labour force": (90, 92),
            "country of birth": (92, 96),
            "disability": (96, 97),
            "prior education": (97, 98),
            "at school": (98, 99),
        }
        for name, (start, end) in fields.items():
            not_stated = sum(1 for line in clients if set(line[start:end]) == {"@"})
            assert not_stated < len(clients) / 2, (period, name, not_stated)
        outcomes = Counter(line[71:73] for line in activity)
        assert "00" not in outcomes and outcomes["20"] > 100
