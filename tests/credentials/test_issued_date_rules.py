"""The issued date printed on a credential: the rules, on the issue page and in the API.

Not in the future; not before the enrolment commenced; more than 30 days back only with a typed
confirmation and a reason, both recorded. "Final qualification" only for testamurs of a
qualification. A refused issue changes nothing: no number is taken, no status moves.
"""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from testamur.api.services import api_token_create
from testamur.core.models import Event
from testamur.credentials.issue_options import (
    BACKDATE_CONFIRMATION_REQUIRED,
    BACKDATE_REASON_REQUIRED,
    FINAL_QUALIFICATION_NOT_TESTAMUR,
    ISSUED_BEFORE_COMMENCED,
    ISSUED_DATE_FUTURE,
)
from testamur.credentials.models import Credential, CredentialStatus, GenerationRun, RunKind
from testamur.credentials.qualification_requests import credential_request_for_qualification
from testamur.credentials.views.lifecycle import FINAL_QUALIFICATION_NOT_OFFERED
from testamur.training.models import UnitEnrolment
from tests.api.conftest import ApiClient
from tests.credentials.helpers import completed_offer, generated, issue, requested
from tests.factories import learner_make, organisation_configured, qualification_enrolment_make
from tests.organisation.helpers import page_text
from tests.qualifications.helpers import AGEING, CORE, OTHER, achieve, individual_support

pytestmark = pytest.mark.django_db

ISSUE = "/credentials/issue/"


def _today() -> date:
    return timezone.localdate()


def _shown(value: date) -> str:
    return value.strftime("%d/%m/%Y")


@pytest.fixture
def api(rto_admin):
    _, secret = api_token_create(user=rto_admin, name="Student system")
    return ApiClient(rto_admin, secret)


@pytest.fixture
def testamurs(rto_admin, django_capture_on_commit_callbacks):
    """Two generated testamurs of a qualification; the learners commenced on 02/02/2026."""
    credentials = requested(completed_offer(2), "testamur")
    return generated(rto_admin, credentials, django_capture_on_commit_callbacks)


def _page(client, credentials, **fields):
    data = {
        "credential": [c.pk for c in credentials],
        "final_qualification": "no",
        "issued_date": _today().isoformat(),
        **{f"revision-{c.pk}": c.revision for c in credentials},
    }
    data.update(fields)
    return client.post(ISSUE, data)


def _api(api, credentials, **fields):
    body = {
        "credentials": [c.pk for c in credentials],
        "issued_date": _today().isoformat(),
        "final_qualification": False,
    }
    body.update(fields)
    return api.post("/runs/issue", body)


def _errors(response) -> dict:
    assert response.status_code == 422, response.content
    found = {}
    for error in response.json()["errors"]:
        found.setdefault(error["loc"][-1], []).append(error["msg"])
    return found


def _nothing_changed(credentials) -> None:
    for credential in credentials:
        credential = Credential.objects.get(pk=credential.pk)
        assert (credential.status, credential.number, credential.issued_on) == (
            CredentialStatus.GENERATED,
            None,
            None,
        )
    assert not GenerationRun.objects.filter(kind=RunKind.ISSUE).exists()


def _field_error(response, field: str) -> str:
    """The errors the issue page shows beside one field."""
    form = response.context["form"]
    return " ".join(form.errors.get(field, []))


def test_an_issued_date_in_the_future_is_refused(rto_admin_client, api, testamurs):
    tomorrow = _today() + timedelta(days=1)
    message = ISSUED_DATE_FUTURE.format(date=_shown(tomorrow), today=_shown(_today()))

    page = _page(rto_admin_client, testamurs, issued_date=tomorrow.isoformat())
    response = _api(api, testamurs, issued_date=tomorrow.isoformat())

    assert _field_error(page, "issued_date") == message
    assert message in page_text(page)
    assert _errors(response) == {"issued_date": [message]}
    _nothing_changed(testamurs)


def test_an_issued_date_before_the_enrolment_commenced_is_refused(rto_admin_client, api, testamurs):
    before = date(2026, 1, 30)
    who = ", ".join(
        f"{c.learner.full_name} ({c.course_enrolment.offer.code}, commenced 02/02/2026)"
        for c in sorted(testamurs, key=lambda c: (c.learner.family_name, c.pk))
    )
    message = ISSUED_BEFORE_COMMENCED.format(date=_shown(before), who=who)

    page = _page(
        rto_admin_client,
        testamurs,
        issued_date=before.isoformat(),
        backdate_confirmation="BACKDATE",
        backdate_reason="Ceremony date",
    )
    response = _api(
        api,
        testamurs,
        issued_date=before.isoformat(),
        backdate_confirmation="BACKDATE",
        backdate_reason="Ceremony date",
    )

    assert _field_error(page, "issued_date") == message
    assert _errors(response) == {"issued_date": [message]}
    _nothing_changed(testamurs)


def test_a_qualification_enrolment_commenced_with_its_first_counted_unit(
    rto_admin, api, django_capture_on_commit_callbacks
):
    organisation_configured()
    learner = learner_make(given_name="Mele", family_name="Tupou")
    achieve(learner, CORE + AGEING + OTHER[:3])
    began = _today() - timedelta(days=10)
    UnitEnrolment.objects.filter(course_enrolment__learner=learner).update(
        start_date=began, end_date=_today()
    )
    enrolment = qualification_enrolment_make(learner, individual_support(), major="Ageing")
    credentials = credential_request_for_qualification(
        actor=rto_admin, qualification_enrolment=enrolment, credential_date=_today(), generate=False
    )
    credentials = generated(rto_admin, credentials, django_capture_on_commit_callbacks)
    early = _today() - timedelta(days=12)

    response = _api(api, credentials, issued_date=early.isoformat())

    who = f"Mele Tupou (CHC33021, commenced {_shown(began)})"
    message = ISSUED_BEFORE_COMMENCED.format(date=_shown(early), who=who)
    assert _errors(response) == {"issued_date": [message]}
    _nothing_changed(credentials)


def test_more_than_30_days_back_needs_a_typed_confirmation_and_a_reason(
    rto_admin_client, api, testamurs
):
    back = _today() - timedelta(days=31)
    confirm = BACKDATE_CONFIRMATION_REQUIRED.format(date=_shown(back), days=31)

    page = _page(rto_admin_client, testamurs, issued_date=back.isoformat())
    wrong_word = _api(
        api,
        testamurs,
        issued_date=back.isoformat(),
        backdate_confirmation="yes",
        backdate_reason="Graduation ceremony",
    )
    no_reason = _api(api, testamurs, issued_date=back.isoformat(), backdate_confirmation="BACKDATE")

    assert _field_error(page, "backdate_confirmation") == confirm
    assert _field_error(page, "backdate_reason") == BACKDATE_REASON_REQUIRED
    assert _errors(wrong_word) == {"backdate_confirmation": [confirm]}
    assert _errors(no_reason) == {"backdate_reason": [BACKDATE_REASON_REQUIRED]}
    _nothing_changed(testamurs)


def test_a_confirmed_backdated_issue_records_the_confirmation_and_reason(
    rto_admin_client, testamurs, django_capture_on_commit_callbacks
):
    back = _today() - timedelta(days=45)

    with django_capture_on_commit_callbacks(execute=True):
        response = rto_admin_client.post(
            ISSUE,
            {
                "credential": [c.pk for c in testamurs],
                "final_qualification": "yes",
                "issued_date": back.isoformat(),
                "backdate_confirmation": "backdate",
                "backdate_reason": "Graduation ceremony held on that day",
            },
            follow=True,
        )

    run = GenerationRun.objects.get(kind=RunKind.ISSUE)
    assert run.done_count == 2
    assert run.options["backdate_reason"] == "Graduation ceremony held on that day"
    assert run.options["backdate_confirmation"] == "BACKDATE"
    assert "Back-dated because" in page_text(response)
    for credential in testamurs:
        credential.refresh_from_db()
        assert (credential.status, credential.issued_on) == (CredentialStatus.ISSUED, back)
        event = Event.objects.get(
            subject_type="credential", subject_id=credential.pk, action="issue"
        )
        assert event.data["backdate_reason"] == "Graduation ceremony held on that day"
        assert event.data["backdate_confirmation"] == "BACKDATE"


def test_up_to_30_days_back_needs_no_confirmation(
    rto_admin, testamurs, django_capture_on_commit_callbacks
):
    back = _today() - timedelta(days=30)

    issue_run, _ = issue(rto_admin, testamurs, django_capture_on_commit_callbacks, issued_on=back)

    assert issue_run.done_count == 2
    assert issue_run.options["backdate_reason"] == ""
    event = Event.objects.filter(subject_type="credential", action="issue").first()
    assert "backdate_reason" not in event.data


def test_final_qualification_is_refused_for_a_statement_of_attainment(
    rto_admin, rto_admin_client, api, django_capture_on_commit_callbacks
):
    enrolments = completed_offer(1)
    credentials = generated(rto_admin, requested(enrolments), django_capture_on_commit_callbacks)
    (soa,) = credentials

    response = _api(api, credentials, final_qualification=True)
    wizard = page_text(rto_admin_client.get(ISSUE, {"credential": soa.pk}))

    message = FINAL_QUALIFICATION_NOT_TESTAMUR.format(
        who=f"{soa.learner.full_name}'s Statement of Attainment", verb="is"
    )
    assert _errors(response) == {"final_qualification": [message]}
    _nothing_changed(credentials)
    assert "Is this the final qualification?" not in wizard
    assert FINAL_QUALIFICATION_NOT_OFFERED in wizard


def test_the_wizard_issues_a_statement_without_touching_the_qualification_flag(
    rto_admin, rto_admin_client, django_capture_on_commit_callbacks
):
    enrolments = completed_offer(1)
    (soa,) = generated(rto_admin, requested(enrolments), django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        # A hand-made request still sends "yes": the field is not offered, so it means No.
        _page(rto_admin_client, [soa], final_qualification="yes")

    soa.refresh_from_db()
    enrolment = soa.course_enrolment
    assert (soa.status, soa.final_qualification) == (CredentialStatus.ISSUED, False)
    assert (enrolment.qual_issued, enrolment.parchment_number) == (False, "")


def test_the_wizard_asks_about_the_final_qualification_for_testamurs(rto_admin_client, testamurs):
    wizard = page_text(rto_admin_client.get(ISSUE, {"credential": [c.pk for c in testamurs]}))

    assert "Is this the final qualification?" in wizard
    assert FINAL_QUALIFICATION_NOT_OFFERED not in wizard


def test_a_refused_issue_takes_no_number(
    rto_admin, api, testamurs, django_capture_on_commit_callbacks
):
    refused = _api(api, testamurs, issued_date=(_today() + timedelta(days=3)).isoformat())
    assert refused.status_code == 422

    issue(rto_admin, testamurs, django_capture_on_commit_callbacks)

    numbers = sorted(Credential.objects.values_list("number", flat=True))
    assert numbers == ["TM-000001", "TM-000002"]
