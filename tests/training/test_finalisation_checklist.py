"""The finalisation checklist on a course enrolment: what is done and what is outstanding."""

from datetime import date

import pytest
from django.urls import reverse

from testamur.core.models import Event
from testamur.credentials.models import Credential, CredentialStatus
from testamur.learners.models import Learner
from testamur.training.finalisation.plans import Finalisation
from testamur.training.finalisation.services import enrolments_finalise
from testamur.training.models import CourseEnrolment
from testamur.training.views.finalisation import CHECKLIST_SAVED
from tests.factories import credential_make
from tests.training.helpers import enrolled, shows, three_unit_offer

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolment():
    return enrolled(three_unit_offer(), outcomes={"BSBOPS404": "20"})


def _items(client, enrolment) -> dict:
    response = client.get(reverse("training:enrolment_detail", args=[enrolment.pk]))
    return {item.label: item for item in response.context["checklist"]}, response


def test_a_running_enrolment_has_everything_outstanding(rto_user_client, enrolment):
    items, response = _items(rto_user_client, enrolment)

    assert {label for label, item in items.items() if item.done is False} == {
        "Enrolment status",
        "Unit outcomes",
        "Completion survey",
        "Credential",
        "Learner portal and e-learning access",
    }
    assert items["Unit outcomes"].detail == "2 of 3 units have no final outcome yet."
    assert items["Completion survey"].detail == "Not sent"
    assert "5 outstanding" in response.content.decode()


def test_no_credential_is_needed_without_an_achieved_unit(rto_user_client):
    enrolment = enrolled(three_unit_offer())

    items, _ = _items(rto_user_client, enrolment)

    assert (items["Credential"].done, items["Credential"].detail) == (
        None,
        "Not needed: no units achieved.",
    )


def test_a_requested_credential_is_not_enough_an_issued_one_is(rto_user_client, enrolment):
    credential = credential_make(enrolment)
    requested, _ = _items(rto_user_client, enrolment)

    Credential.objects.filter(pk=credential.pk).update(
        status=CredentialStatus.ISSUED,
        number="TM-000042",
        issued_on=date(2026, 11, 21),
        document="credentials/issued/x.pdf",
    )
    issued, _ = _items(rto_user_client, enrolment)

    assert requested["Credential"].done is False
    assert issued["Credential"].done is True
    assert issued["Credential"].detail == "Statement of Attainment TM-000042 issued on 21/11/2026."


def test_survey_and_portal_access_are_recorded_and_shown(rto_user_client, rto_user, enrolment):
    url = reverse("training:enrolment_checklist", args=[enrolment.pk])

    response = rto_user_client.post(
        url,
        {
            "survey_status": "completed",
            "survey_link": "https://surveys.example/r/abc",
            "portal_access_disabled": "on",
        },
        follow=True,
    )

    assert shows(response, CHECKLIST_SAVED)
    assert 'href="https://surveys.example/r/abc"' in response.content.decode()
    items, _ = _items(rto_user_client, enrolment)
    assert items["Completion survey"].done and items["Learner portal and e-learning access"].done
    event = Event.objects.get(action="checklist_updated")
    assert event.data["survey_status"] == ["not_sent", "completed"]
    assert event.actor == rto_user


def test_a_bad_survey_link_is_refused(rto_user_client, enrolment):
    response = rto_user_client.post(
        reverse("training:enrolment_checklist", args=[enrolment.pk]),
        {"survey_status": "sent", "survey_link": "javascript:alert(1)"},
    )

    assert "Enter a valid URL." in response.content.decode()
    assert CourseEnrolment.objects.get(pk=enrolment.pk).survey_status == "not_sent"


def test_the_enrolment_page_shows_the_learners_privacy_flag_and_needs(rto_user_client, enrolment):
    Learner.objects.filter(pk=enrolment.learner_id).update(
        privacy_flag=True, special_requirements="Uses a screen reader", is_active=False
    )

    _, response = _items(rto_user_client, enrolment)

    text = response.content.decode()
    assert "PRIVACY FLAG" in text
    assert "Uses a screen reader" in text
    assert "Learner inactive" in text


def test_after_a_withdrawal_units_not_started_count_as_finished(rto_admin, rto_user_client):
    enrolment = enrolled(three_unit_offer())
    enrolments_finalise(
        enrolments=[enrolment],
        finalisation=Finalisation(
            status="withdrawn", status_reason="Moved", withdrawal_date=date(2026, 2, 20)
        ),
        actor=rto_admin,
    )

    items, _ = _items(rto_user_client, enrolment)

    assert items["Enrolment status"].done and items["Unit outcomes"].done
    assert items["Unit outcomes"].detail == "Every unit has a final outcome."
