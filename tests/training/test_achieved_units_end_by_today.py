"""A unit cannot be achieved with an end date in the future, whoever writes it (issue 15, #6).

Reproduced on main: outcome 20 with end date 01/03/2027 was accepted and a Statement of
Attainment listing the unit was issued. Every writer now refuses it, naming the field; a row
that already breaks the rule holds its credentials back at the issue gate.
"""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from testamur.api.services import api_token_create
from testamur.core.models import Event
from testamur.credentials.gates import UNITS_ACHIEVED_IN_FUTURE
from testamur.credentials.models import Credential, CredentialStatus, GenerationRun
from testamur.interchange.models import ImportStatus
from testamur.organisation.models import Organisation
from testamur.training.finalisation.plans import UNITS_ACHIEVED_IN_FUTURE as FINALISE_IN_FUTURE
from testamur.training.finalisation.unit_outcomes import ROW_PROBLEM
from testamur.training.models import UnitEnrolment
from testamur.training.services import ACHIEVED_IN_FUTURE
from tests.api.conftest import ApiClient
from tests.credentials.helpers import generated
from tests.factories import (
    course_make,
    credential_make,
    enrolment_make,
    offer_make,
    organisation_configured,
    outcome,
    template_make,
    unit_make,
)
from tests.interchange import nat_fixtures as nat
from tests.interchange.helpers import avetmiss_import, spreadsheet_import
from tests.training.helpers import enrolled, finalise_url, shows, three_unit_offer, units_by_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_api(rto_admin):
    _, secret = api_token_create(user=rto_admin, name="Student system")
    return ApiClient(rto_admin, secret)


def _today() -> date:
    return timezone.localdate()


def _future() -> date:
    return _today() + timedelta(days=87)


def _shown(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def _refusal(code: str, end: date) -> str:
    return ACHIEVED_IN_FUTURE.format(end=_shown(end), code=code)


@pytest.fixture
def unit_enrolment():
    course = course_make(units=[unit_make("BSBWHS411", title="Implement and monitor WHS policies")])
    return enrolment_make(offer=offer_make(course)).unit_enrolments.get()


def _form(code: str, end: date, jurisdiction: str = "national") -> dict:
    return {
        "start_date": "2026-02-02",
        "end_date": end.isoformat(),
        "scheduled_hours": "40",
        "actual_hours": "40",
        "outcome": str(outcome(code, jurisdiction).pk),
        "delivery_mode": "I",
    }


def _unchanged(unit_enrolment) -> None:
    before = (unit_enrolment.outcome_id, unit_enrolment.end_date)
    unit_enrolment.refresh_from_db()
    assert (unit_enrolment.outcome_id, unit_enrolment.end_date) == before
    assert not Event.objects.filter(subject_type="unitenrolment").exists()


def test_the_unit_enrolment_form_refuses_an_achieved_unit_ending_in_the_future(
    rto_user_client, unit_enrolment
):
    url = reverse("training:unit_enrolment_edit", args=[unit_enrolment.pk])

    response = rto_user_client.post(url, _form("20", _future()))

    assert response.status_code == 200
    assert shows(response, _refusal("20", _future()))
    assert "has-error" in response.content.decode()
    _unchanged(unit_enrolment)


def test_an_achieved_unit_ending_today_or_a_continuing_one_ending_later_is_fine(
    rto_user_client, unit_enrolment
):
    url = reverse("training:unit_enrolment_edit", args=[unit_enrolment.pk])

    rto_user_client.post(url, _form("70", _future()))
    unit_enrolment.refresh_from_db()
    assert (unit_enrolment.outcome.code, unit_enrolment.end_date) == ("70", _future())

    rto_user_client.post(url, _form("20", _today()))
    unit_enrolment.refresh_from_db()
    assert (unit_enrolment.outcome.code, unit_enrolment.end_date) == ("20", _today())


@pytest.mark.parametrize("code", ["51", "60", "53"])
def test_rpl_credit_transfer_and_the_legacy_code_count_as_achieved(
    rto_user_client, unit_enrolment, code
):
    url = reverse("training:unit_enrolment_edit", args=[unit_enrolment.pk])

    response = rto_user_client.post(url, _form(code, _future()))

    assert shows(response, _refusal(code, _future()))
    _unchanged(unit_enrolment)


def test_the_achieved_set_is_the_jurisdictions(rto_user_client, unit_enrolment):
    organisation = Organisation.load()
    organisation.jurisdiction = "wa"
    organisation.save()
    unit_enrolment.outcome = outcome("05", "wa")  # participating
    unit_enrolment.save()
    url = reverse("training:unit_enrolment_edit", args=[unit_enrolment.pk])

    refused = rto_user_client.post(url, _form("01", _future(), "wa"))
    assert shows(refused, _refusal("01", _future()))
    _unchanged(unit_enrolment)

    rto_user_client.post(url, _form("05", _future(), "wa"))
    unit_enrolment.refresh_from_db()
    assert unit_enrolment.end_date == _future()


def test_the_api_refuses_it_with_the_field_named(admin_api, unit_enrolment):
    enrolment = unit_enrolment.course_enrolment
    path = f"/enrolments/{enrolment.pk}/unit-enrolments/{unit_enrolment.pk}"

    response = admin_api.patch(path, {"outcome": "20", "end_date": _future().isoformat()})

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"loc": ["body", "end_date"], "msg": _refusal("20", _future()), "type": "rule"}
    ]
    _unchanged(unit_enrolment)


def test_the_api_refuses_a_new_unit_enrolment_achieved_in_the_future(admin_api, unit_enrolment):
    enrolment = unit_enrolment.course_enrolment
    extra = unit_make("BSBXCM401")

    response = admin_api.post(
        f"/enrolments/{enrolment.pk}/unit-enrolments",
        {
            "unit": extra.pk,
            "outcome": "60",
            "start_date": "2026-02-02",
            "end_date": _future().isoformat(),
        },
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "end_date"]
    assert not UnitEnrolment.objects.filter(unit=extra).exists()


def test_setting_outcomes_in_bulk_lists_each_row_and_changes_nothing(rto_user_client):
    offer = three_unit_offer()
    ada = enrolled(offer, given="Ada", family="Lovelace")
    rows = list(units_by_code(ada).values())

    response = rto_user_client.post(
        reverse("training:offer_unit_outcomes", args=[offer.pk]),
        {
            "unit_enrolment": [ue.pk for ue in rows],
            "outcome": outcome("20").pk,
            "end_date": _future().isoformat(),
        },
    )

    for row, ue in enumerate(rows, start=1):
        message = ROW_PROBLEM.format(
            row=row,
            learner="Ada Lovelace",
            unit=ue.unit.code,
            message=_refusal("20", _future()),
        )
        assert shows(response, message)
    assert set(UnitEnrolment.objects.values_list("outcome__code", flat=True)) == {"70"}


def test_finalising_cannot_leave_units_achieved_in_the_future(rto_admin_client):
    start = _today() - timedelta(days=20)
    offer = three_unit_offer()
    offer.start_date, offer.end_date = start, _future()
    offer.save()
    enrolment = enrolled(offer, commencement_date=start)
    UnitEnrolment.objects.filter(course_enrolment=enrolment).update(
        start_date=start, end_date=_future()
    )

    response = rto_admin_client.post(
        finalise_url(enrolment),
        {"status": "completion_pending", "unit_outcome": outcome("20").pk, "step": "preview"},
    )

    message = FINALISE_IN_FUTURE.format(units="BSBOPS404, BSBWHS411, BSBXCM401")
    assert shows(response, message)
    enrolment.refresh_from_db()
    assert enrolment.status == "active"
    assert set(UnitEnrolment.objects.values_list("outcome__code", flat=True)) == {"70"}


def test_a_spreadsheet_of_results_is_refused_on_the_row_and_column(rto_admin):
    organisation_configured()
    course = course_make("BSB40120", units=[unit_make("BSBWHS411")], aqf_level=4)
    learner = enrolment_make(offer=offer_make(course, code="BSB-2026-T1")).learner
    csv = (
        "Learner ID,Offer code,Unit code,Start date,End date,Outcome code\n"
        f"{learner.client_id},BSB-2026-T1,BSBWHS411,02/02/2026,{_shown(_future())},20\n"
    )

    job = spreadsheet_import("unit_enrolments", "results.csv", csv, commit=True, actor=rto_admin)

    assert job.status == ImportStatus.INVALID
    assert [(p["row"], p["column"], p["message"]) for p in job.errors] == [
        (2, "End date", _refusal("20", _future()))
    ]
    assert set(UnitEnrolment.objects.values_list("outcome__code", flat=True)) == {"70"}


def test_an_avetmiss_activity_achieved_in_the_future_is_refused(rto_admin):
    end = _future().strftime("%d%m%Y")
    activities = [nat.changed(nat.ACTIVITIES[0], end=end), *nat.ACTIVITIES[1:]]

    job = avetmiss_import(nat.nat_set(NAT00120=activities), commit=True, actor=rto_admin)

    assert job.status == ImportStatus.INVALID
    found = [(p["file"], p["row"], p["message"]) for p in job.errors]
    assert ("NAT00120.txt", 1, _refusal("20", _future())) in found
    assert not UnitEnrolment.objects.exists()


@pytest.fixture
def soa_with_a_unit_achieved_in_the_future(rto_admin, django_capture_on_commit_callbacks):
    """A row written before the rule (here straight into the database): one unit achieved
    last month, one "achieved" with an end date three months away."""
    organisation_configured()
    units = [unit_make("BSBWHS411"), unit_make("BSBXCM401")]
    enrolment = enrolment_make(
        offer=offer_make(course_make(units=units)),
        outcomes={"BSBWHS411": "20", "BSBXCM401": "20"},
    )
    UnitEnrolment.objects.filter(course_enrolment=enrolment, unit__code="BSBXCM401").update(
        end_date=_future()
    )
    credential = credential_make(enrolment, template=template_make("statement_of_attainment"))
    return generated(rto_admin, [credential], django_capture_on_commit_callbacks)[0]


def test_a_statement_resting_on_such_a_row_is_held_back_with_the_reason(
    rto_admin_client, soa_with_a_unit_achieved_in_the_future
):
    credential = soa_with_a_unit_achieved_in_the_future
    reason = UNITS_ACHIEVED_IN_FUTURE.format(units=f"BSBXCM401 (ends {_shown(_future())})")

    page = rto_admin_client.get("/credentials/issue/", {"credential": credential.pk})

    assert shows(page, reason)
    fix = reverse("training:enrolment_detail", args=[credential.course_enrolment_id])
    assert f'href="{fix}">Correct the unit outcomes</a>' in page.content.decode()
    assert "0 of 1 selected can be issued" in page.content.decode()


def test_the_api_will_not_issue_it_either(
    admin_api, soa_with_a_unit_achieved_in_the_future, django_capture_on_commit_callbacks
):
    credential = soa_with_a_unit_achieved_in_the_future

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.post(
            "/runs/issue",
            {
                "credentials": [credential.pk],
                "issued_date": _today().isoformat(),
                "final_qualification": False,
            },
        )

    assert response.status_code == 422
    assert "BSBXCM401 (ends" in response.json()["detail"]
    credential = Credential.objects.get(pk=credential.pk)
    assert (credential.status, credential.number) == (CredentialStatus.GENERATED, None)
    assert not GenerationRun.objects.filter(kind="issue").exists()
