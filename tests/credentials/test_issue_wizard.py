"""The issue wizard: Admins only, the selection with its gates, the options, then an Issue run."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from testamur.credentials.forms import FINAL_QUALIFICATION_MISSING
from testamur.credentials.issue_options import ISSUED_DATE_FUTURE
from testamur.credentials.models import (
    Credential,
    CredentialStatus,
    GenerationRun,
    RunKind,
)
from testamur.credentials.runs import run_start
from testamur.credentials.views.lifecycle import LEFT_OUT, NONE_ISSUABLE
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

pytestmark = pytest.mark.django_db

ISSUE = "/credentials/issue/"


@pytest.fixture
def offer():
    organisation_configured()
    return offer_make(course_make(units=[unit_make(), unit_make()]), code="CHC3-2026-T2")


@pytest.fixture
def testamur_template():
    return template_make("testamur")


def _ready(offer, template, **learner_fields):
    codes = {unit.code: "20" for unit in offer.course.units.all()}
    enrolment = enrolment_make(learner=learner_make(**learner_fields), offer=offer, outcomes=codes)
    return credential_make(enrolment, template=template)


def _generate(actor, credentials, capture):
    with capture(execute=True):
        run, _ = run_start(actor=actor, kind=RunKind.PREVIEW, credentials=list(credentials))
    for credential in credentials:
        credential.refresh_from_db()
    return run


def _post_data(credentials, **options):
    data = {
        "credential": [c.pk for c in credentials],
        "final_qualification": "yes",
        "issued_date": timezone.localdate().isoformat(),
        "status_reason": "",
    }
    data.update({f"revision-{c.pk}": c.revision for c in credentials})
    data.update(options)
    return data


def _text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_users_cannot_open_or_post_the_wizard(rto_user_client, offer, testamur_template):
    credential = _ready(offer, testamur_template)
    assert rto_user_client.get(ISSUE, {"credential": credential.pk}).status_code == 403
    assert rto_user_client.post(ISSUE, _post_data([credential])).status_code == 403
    assert not GenerationRun.objects.exists()


def test_wizard_shows_the_selection_with_gates_and_explains_final_qualification(
    rto_admin, rto_admin_client, offer, testamur_template, django_capture_on_commit_callbacks
):
    ready = _ready(offer, testamur_template, given_name="Mia", family_name="Nguyen")
    _generate(rto_admin, [ready], django_capture_on_commit_callbacks)
    blocked = _ready(
        offer, testamur_template, given_name="Noah", family_name="Smith", usi_status="not_supplied"
    )
    _generate(rto_admin, [blocked], django_capture_on_commit_callbacks)

    page = _text(rto_admin_client.get(ISSUE, {"credential": [ready.pk, blocked.pk]}))

    assert "Mia Nguyen" in page
    assert "Noah Smith" in page
    assert "USI not verified and no exemption recorded" in page
    assert "Skipped when you issue." in page
    assert "1 of 2 selected can be issued" in page
    assert "Is this the final qualification?" in page
    assert "the qualification-issued flag is ticked" in page
    assert "parchment number is set to the credential number" in page
    assert "Produce a mail-merge spreadsheet" in page
    assert "Issue 1 credential" in page


def test_requested_credentials_are_generated_and_signed_by_the_issue_itself(
    rto_admin, rto_admin_client, offer, testamur_template, django_capture_on_commit_callbacks
):
    """Reproduced on main: a Requested credential was blocked "Not generated yet" until the
    user found the separate Generate action."""
    credential = _ready(offer, testamur_template)

    page = _text(rto_admin_client.get(ISSUE, {"credential": credential.pk}))
    assert "Not generated yet" not in page
    assert NONE_ISSUABLE not in page
    assert "Issue 1 credential" in page
    with django_capture_on_commit_callbacks(execute=True):
        rto_admin_client.post(ISSUE, _post_data([credential], final_qualification="no"))

    credential.refresh_from_db()
    assert credential.status == CredentialStatus.ISSUED
    assert credential.number
    assert credential.document.read().startswith(b"%PDF")


def test_issued_date_in_the_future_is_refused_inline_and_nothing_changes(
    rto_admin, rto_admin_client, offer, testamur_template, django_capture_on_commit_callbacks
):
    credential = _ready(offer, testamur_template)
    _generate(rto_admin, [credential], django_capture_on_commit_callbacks)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()

    response = rto_admin_client.post(ISSUE, _post_data([credential], issued_date=tomorrow))

    today = timezone.localdate()
    expected = ISSUED_DATE_FUTURE.format(
        date=(today + timedelta(days=1)).strftime("%d/%m/%Y"), today=today.strftime("%d/%m/%Y")
    )
    assert expected in _text(response)
    assert not GenerationRun.objects.filter(kind=RunKind.ISSUE).exists()
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.GENERATED


def test_final_qualification_must_be_answered(
    rto_admin, rto_admin_client, offer, testamur_template, django_capture_on_commit_callbacks
):
    credential = _ready(offer, testamur_template)
    _generate(rto_admin, [credential], django_capture_on_commit_callbacks)

    response = rto_admin_client.post(ISSUE, _post_data([credential], final_qualification=""))

    assert FINAL_QUALIFICATION_MISSING in _text(response)
    assert Credential.objects.get().status == CredentialStatus.GENERATED


def test_issue_as_final_qualification_updates_the_enrolment(
    rto_admin, rto_admin_client, offer, testamur_template, django_capture_on_commit_callbacks
):
    credentials = [_ready(offer, testamur_template) for _ in range(2)]
    _generate(rto_admin, credentials, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        response = rto_admin_client.post(
            ISSUE,
            _post_data(credentials, status_reason="End of course", mail_merge="on"),
            follow=True,
        )

    run = GenerationRun.objects.get(kind=RunKind.ISSUE)
    assert response.redirect_chain[-1][0] == reverse("credentials:run_detail", args=[run.pk])
    assert "2 queued." in _text(response)
    run.refresh_from_db()
    assert run.done_count == 2
    assert run.mail_merge
    for credential in credentials:
        credential.refresh_from_db()
        enrolment = credential.course_enrolment
        assert credential.status == CredentialStatus.ISSUED
        assert credential.status_reason == "End of course"
        assert credential.final_qualification
        assert enrolment.qual_issued
        assert enrolment.parchment_number == credential.number
        assert enrolment.issued_date == timezone.localdate()


def test_issue_not_final_leaves_the_enrolment_alone(
    rto_admin, rto_admin_client, offer, testamur_template, django_capture_on_commit_callbacks
):
    credential = _ready(offer, testamur_template)
    _generate(rto_admin, [credential], django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        rto_admin_client.post(ISSUE, _post_data([credential], final_qualification="no"))

    credential.refresh_from_db()
    assert credential.status == CredentialStatus.ISSUED
    assert not credential.course_enrolment.qual_issued
    assert credential.course_enrolment.parchment_number == ""


def test_ineligible_credentials_are_skipped_with_their_reason(
    rto_admin, rto_admin_client, offer, testamur_template, django_capture_on_commit_callbacks
):
    ready = _ready(offer, testamur_template)
    _generate(rto_admin, [ready], django_capture_on_commit_callbacks)
    requested = _ready(
        offer,
        testamur_template,
        given_name="Ada",
        family_name="Lovelace",
        usi_status="not_supplied",
    )
    wizard = _text(rto_admin_client.get(ISSUE, {"credential": [ready.pk, requested.pk]}))
    assert LEFT_OUT.format(count=1, total=2) in wizard
    left_out = wizard.split('id="left-out"')[1].split("</table>")[0]
    assert "Ada Lovelace" in left_out and "USI not verified" in left_out
    assert reverse("learners:verify_usi", args=[requested.learner_id]) in left_out

    with django_capture_on_commit_callbacks(execute=True):
        response = rto_admin_client.post(ISSUE, _post_data([ready, requested]), follow=True)

    page = _text(response)
    run = GenerationRun.objects.get(kind=RunKind.ISSUE)
    assert f'1 queued, 1 skipped: <a href="/credentials/runs/{run.pk}/#skipped">' in page
    assert "Ada Lovelace" in page.split('id="skipped"')[1]
    requested.refresh_from_db()
    assert requested.status == CredentialStatus.REQUESTED


def test_a_credential_changed_since_the_wizard_was_opened_is_skipped_as_stale(
    rto_admin, rto_admin_client, offer, testamur_template, django_capture_on_commit_callbacks
):
    credential = _ready(offer, testamur_template)
    _generate(rto_admin, [credential], django_capture_on_commit_callbacks)
    data = _post_data([credential])
    with django_capture_on_commit_callbacks(execute=True):
        run_start(actor=rto_admin, kind=RunKind.REGENERATE, credentials=[credential])

    response = rto_admin_client.post(ISSUE, data, follow=True)

    assert "changed since you loaded the page" in _text(response)
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.GENERATED


def test_issue_these_credentials_from_a_merge_documents_run(
    rto_admin, rto_admin_client, offer, testamur_template, django_capture_on_commit_callbacks
):
    credentials = [_ready(offer, testamur_template) for _ in range(3)]
    run = _generate(rto_admin, credentials, django_capture_on_commit_callbacks)
    _ready(offer, testamur_template, given_name="Not", family_name="In-the-run")

    response = rto_admin_client.get(ISSUE, {"run": run.pk})

    page = _text(response)
    assert [c.pk for c, _gate in response.context["rows"]] == sorted(
        (c.pk for c in credentials), reverse=True
    )
    assert "Not In-the-run" not in page


def test_wizard_with_nothing_selected_goes_back_with_a_message(rto_admin_client):
    response = rto_admin_client.get(ISSUE, {"credential": ["999999"]}, follow=True)
    page = _text(response)
    assert "1 selected credential(s) no longer exist and were ignored." in page
    assert "Select at least one credential first." in page


def test_statement_without_competent_units_is_blocked_with_the_reason(
    rto_admin, rto_admin_client, django_capture_on_commit_callbacks
):
    organisation_configured()
    enrolment = enrolment_make(offer=offer_make(course_make(units=[unit_make()])))
    credential = credential_make(enrolment, template=template_make("statement_of_attainment"))
    _generate(rto_admin, [credential], django_capture_on_commit_callbacks)

    page = _text(rto_admin_client.get(ISSUE, {"credential": credential.pk}))

    assert "No competent units — outcomes 20, 51, 60 required." in page


def test_unverified_usi_under_the_warn_setting_must_be_confirmed(
    rto_admin_client, offer, testamur_template, django_capture_on_commit_callbacks
):
    from testamur.credentials.forms import USI_WARNINGS_UNCONFIRMED
    from testamur.organisation.models import Organisation, UsiGate

    Organisation.objects.update(usi_gate=UsiGate.WARN)
    credential = _ready(offer, testamur_template, usi_status="not_supplied")

    page = _text(rto_admin_client.post(ISSUE, _post_data([credential])))

    assert USI_WARNINGS_UNCONFIRMED.format(count=1) in page
    assert not GenerationRun.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        rto_admin_client.post(ISSUE, _post_data([credential], usi_warnings_confirmed="on"))
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.ISSUED


def test_an_issued_credential_selected_again_is_left_out_with_the_reason(
    rto_admin, rto_admin_client, offer, testamur_template, django_capture_on_commit_callbacks
):
    issued = _ready(offer, testamur_template, given_name="Ada", family_name="Lovelace")
    with django_capture_on_commit_callbacks(execute=True):
        rto_admin_client.post(ISSUE, _post_data([issued], final_qualification="no"))
    ready = _ready(offer, testamur_template)

    page = _text(rto_admin_client.get(ISSUE, {"credential": [issued.pk, ready.pk]}))

    assert LEFT_OUT.format(count=1, total=2) in page
    left_out = page.split('id="left-out"')[1].split("</table>")[0]
    assert "Ada Lovelace" in left_out and "cannot be issued" in left_out
    assert "Issue 1 credential" in page
