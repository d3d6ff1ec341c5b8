"""A run keeps every credential it skipped, with the reason and a link to fix it (issue 15, #9).

Reproduced on main: the reasons for credentials skipped when an issue run started appeared once,
run together in one flash message, and the run page said "Skipped 0".
"""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from testamur.api.services import api_token_create
from testamur.credentials.gates import QUALIFICATION_NOT_MET, USI_NOT_CLEARED
from testamur.credentials.issue_options import IssueOptions
from testamur.credentials.models import GenerationRun, RunItem, RunItemStatus, RunKind
from testamur.credentials.runs import CANCELLED_NOT_GENERATED, run_process_chunk, run_start
from testamur.credentials.services import credential_cancel
from testamur.credentials.views.common import SEE_SKIPPED
from testamur.learners.models import UsiStatus
from tests.api.conftest import ApiClient
from tests.credentials.helpers import generated, issue
from tests.factories import (
    course_make,
    credential_make,
    enrolment_make,
    learner_make,
    offer_make,
    organisation_configured,
    template_make,
    unit_make,
)
from tests.organisation.helpers import page_text

pytestmark = pytest.mark.django_db

ISSUE = "/credentials/issue/"
USI_MISSING = USI_NOT_CLEARED.format(status="Not supplied")
NOT_MET = QUALIFICATION_NOT_MET.format(count=1, total=1)


@pytest.fixture
def selection(rto_admin, django_capture_on_commit_callbacks):
    """Three testamurs: one ready, one whose unit is not achieved, one for a learner without a
    USI. (Ada's is never previewed: that alone no longer keeps a credential from issue.)"""
    organisation_configured()
    unit = unit_make()
    offer = offer_make(course_make(units=[unit]), code="BSB4-2026-T1")
    template = template_make("testamur")

    def make(given, family, outcome="20", **fields):
        enrolment = enrolment_make(
            learner=learner_make(given_name=given, family_name=family, **fields),
            offer=offer,
            outcomes={unit.code: outcome},
        )
        return credential_make(enrolment, template=template)

    ready = make("Mia", "Nguyen")
    not_previewed = make("Ada", "Lovelace", outcome="30")
    no_usi = make("Noah", "Smith", usi_status=UsiStatus.NOT_SUPPLIED)
    generated(rto_admin, [ready, no_usi], django_capture_on_commit_callbacks)
    return ready, not_previewed, no_usi


def _wizard_post(credentials) -> dict:
    data = {
        "credential": [c.pk for c in credentials],
        "final_qualification": "no",
        "issued_date": timezone.localdate().isoformat(),
    }
    for credential in credentials:
        credential.refresh_from_db()
        data[f"revision-{credential.pk}"] = credential.revision
    return data


def _skipped_table(page: str) -> str:
    return page.split('id="skipped"', 1)[1].split("</table>", 1)[0]


def test_the_issue_run_page_lists_each_skipped_credential_with_a_link_to_fix_it(
    rto_admin_client, selection, django_capture_on_commit_callbacks
):
    _ready, not_previewed, no_usi = selection

    with django_capture_on_commit_callbacks(execute=True):
        response = rto_admin_client.post(ISSUE, _wizard_post(selection), follow=True)

    run = GenerationRun.objects.get(kind=RunKind.ISSUE)
    page = page_text(response)
    # The flash message is a short summary pointing at the table, not the reasons run together.
    message = re.search(r'<li class="message[^"]*">(.*?)</li>', page, re.S).group(1)
    assert message == (
        f'1 queued, 2 skipped: <a href="/credentials/runs/{run.pk}/#skipped">{SEE_SKIPPED}</a>.'
    )
    assert re.search(r"<dt>Skipped</dt><dd><a href=\"#skipped\">.*>2</span>", page)
    table = _skipped_table(page)
    assert "Skipped credentials (2)" in page
    assert "Ada Lovelace" in table and "Noah Smith" in table and "Mia Nguyen" not in table
    assert NOT_MET in table
    assert USI_MISSING in table
    usi_page = reverse("learners:verify_usi", args=[no_usi.learner_id])
    assert f'<a href="{usi_page}">Verify the USI</a>' in table
    outcomes_page = reverse("training:enrolment_detail", args=[not_previewed.course_enrolment_id])
    assert f'<a href="{outcomes_page}">Correct the unit outcomes</a>' in table
    run.refresh_from_db()
    assert (run.total, run.done_count, run.skipped_count) == (3, 1, 2)


def test_the_api_returns_the_skipped_credentials_of_a_run(
    rto_admin, selection, django_capture_on_commit_callbacks
):
    _ready, _not_previewed, no_usi = selection
    _, secret = api_token_create(user=rto_admin, name="Student system")
    api = ApiClient(rto_admin, secret)

    with django_capture_on_commit_callbacks(execute=True):
        started = api.post(
            "/runs/issue",
            {
                "credentials": [c.pk for c in selection],
                "issued_date": timezone.localdate().isoformat(),
                "final_qualification": False,
            },
        )

    assert started.status_code == 202
    run_id = started.json()["run"]["id"]
    assert started.json()["run"]["skipped_count"] == 2
    assert api.get(f"/runs/{run_id}").json()["skipped_count"] == 2
    items = api.get(f"/runs/{run_id}/items", {"status": "skipped"}).json()["items"]
    by_learner = {item["credential"]["learner"]["name"]: item for item in items}
    assert set(by_learner) == {"Ada Lovelace", "Noah Smith"}
    assert by_learner["Noah Smith"]["reasons"] == [
        {
            "reason": USI_MISSING,
            "fix": "usi",
            "fix_url": reverse("learners:verify_usi", args=[no_usi.learner_id]),
        }
    ]
    assert by_learner["Ada Lovelace"]["reasons"][0]["reason"] == NOT_MET
    assert by_learner["Ada Lovelace"]["status"] == RunItemStatus.SKIPPED


def test_a_credential_skipped_while_the_run_works_is_kept_too(
    rto_admin, rto_admin_client, selection, settings
):
    # Runs stay queued until the test processes them, as a background worker would.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    ready, _not_previewed, _no_usi = selection
    run, _ = run_start(
        actor=rto_admin,
        kind=RunKind.ISSUE,
        credentials=[ready],
        options=IssueOptions(issued_on=timezone.localdate()),
    )
    learner = ready.learner
    learner.usi, learner.usi_status, learner.usi_verified_on = None, UsiStatus.NOT_SUPPLIED, None
    learner.save()

    run_process_chunk(run.pk, 0)

    item = RunItem.objects.get(run=run)
    assert item.status == RunItemStatus.SKIPPED
    assert item.reasons == [{"reason": USI_MISSING, "fix": "usi"}]
    page = page_text(rto_admin_client.get(reverse("credentials:run_detail", args=[run.pk])))
    assert "Mia Nguyen" in _skipped_table(page)


def test_a_preview_run_keeps_the_cancelled_credentials_it_skipped(
    rto_admin, rto_user, rto_user_client, selection, django_capture_on_commit_callbacks
):
    ready, _not_previewed, _no_usi = selection
    # Issue one, then cancel it: cancelled credentials are not generated again.
    issue(rto_admin, [ready], django_capture_on_commit_callbacks)
    credential_cancel(actor=rto_admin, credential=ready, reason="Issued in error")
    other = credential_make(ready.course_enrolment, credential_type="statement_of_attainment")

    with django_capture_on_commit_callbacks(execute=True):
        run, outcome = run_start(actor=rto_user, kind=RunKind.PREVIEW, credentials=[ready, other])

    assert [str(reason) for _, reason in outcome.skipped] == [CANCELLED_NOT_GENERATED]
    page = page_text(rto_user_client.get(reverse("credentials:run_detail", args=[run.pk])))
    assert CANCELLED_NOT_GENERATED in _skipped_table(page)


def test_when_nothing_can_be_issued_each_reason_is_listed_on_its_own(
    rto_admin, rto_admin_client, selection
):
    _ready, not_previewed, no_usi = selection
    _, secret = api_token_create(user=rto_admin, name="Student system")
    api = ApiClient(rto_admin, secret)

    page = page_text(rto_admin_client.post(ISSUE, _wizard_post([not_previewed, no_usi])))
    response = api.post(
        "/runs/issue",
        {
            "credentials": [not_previewed.pk, no_usi.pk],
            "issued_date": timezone.localdate().isoformat(),
            "final_qualification": False,
        },
    )

    assert f"<li>Ada Lovelace: {NOT_MET}</li>" in page
    assert f"<li>Noah Smith: {USI_MISSING}</li>" in page
    assert response.status_code == 422
    assert [error["msg"] for error in response.json()["errors"]][1:] == [
        f"Ada Lovelace: {NOT_MET}",
        f"Noah Smith: {USI_MISSING}",
    ]
    assert not GenerationRun.objects.filter(kind=RunKind.ISSUE).exists()
