"""The automatic rule: a learner whose enrolments are all finished becomes inactive."""

import re
from datetime import date
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from testamur.core.models import Event
from testamur.learners.models import Learner
from testamur.organisation.models import Organisation
from testamur.organisation.services import INACTIVE_RULE_BAD_STATUS, organisation_update
from testamur.training.finalisation.learner_status import RULE_REASON
from testamur.training.finalisation.plans import Finalisation
from testamur.training.finalisation.services import enrolments_finalise
from testamur.training.models import CourseEnrolment
from tests.factories import learner_make, offer_make
from tests.organisation.helpers import page_text, settings_data
from tests.training.helpers import enrolled, three_unit_offer

pytestmark = pytest.mark.django_db


def _rule(*statuses: str) -> None:
    organisation = Organisation.load()
    organisation.learner_inactive_statuses = list(statuses)
    organisation.save()


def _withdraw(enrolment, actor) -> None:
    enrolments_finalise(
        enrolments=[enrolment],
        finalisation=Finalisation(
            status="withdrawn", status_reason="Moved", withdrawal_date=date(2026, 2, 20)
        ),
        actor=actor,
    )


@pytest.fixture
def offer():
    return three_unit_offer()


def test_finalising_the_last_enrolment_makes_the_learner_inactive(offer, rto_admin):
    _rule("completed", "withdrawn")
    enrolment = enrolled(offer)

    _withdraw(enrolment, rto_admin)

    learner = Learner.objects.get(pk=enrolment.learner_id)
    assert learner.is_active is False
    event = Event.objects.get(subject_type="learner", action="deactivated")
    assert event.reason == RULE_REASON.format(statuses="Completed or Withdrawn")
    assert event.actor == rto_admin


def test_a_learner_with_another_enrolment_still_running_stays_active(offer, rto_admin):
    _rule("withdrawn")
    enrolment = enrolled(offer)
    enrolled_elsewhere = offer_make(offer.course, code="SECOND")
    CourseEnrolment.objects.create(learner=enrolment.learner, offer=enrolled_elsewhere)

    _withdraw(enrolment, rto_admin)

    assert Learner.objects.get(pk=enrolment.learner_id).is_active is True


def test_statuses_not_chosen_leave_the_learner_active(offer, rto_admin):
    _rule("completed")
    enrolment = enrolled(offer)

    _withdraw(enrolment, rto_admin)

    assert Learner.objects.get(pk=enrolment.learner_id).is_active is True


def test_with_no_statuses_chosen_the_rule_is_off(offer, rto_admin):
    enrolment = enrolled(offer)

    _withdraw(enrolment, rto_admin)

    assert Learner.objects.get(pk=enrolment.learner_id).is_active is True


def test_changing_the_status_on_the_edit_page_applies_the_rule_too(rto_user_client, offer):
    _rule("cancelled_no_penalty")
    enrolment = enrolled(offer)

    rto_user_client.post(
        reverse("training:enrolment_edit", args=[enrolment.pk]),
        {
            "status": "cancelled_no_penalty",
            "status_reason": "Course not run",
            "commencement_date": "2026-02-02",
        },
    )

    assert Learner.objects.get(pk=enrolment.learner_id).is_active is False
    assert set(
        enrolment.unit_enrolments.values_list("training_organisation_outcome", flat=True)
    ) == {"TNC"}


def test_the_command_applies_the_rule_to_existing_learners(offer):
    finished = enrolled(offer, given="Ada", family="Lovelace", client_id="L1001")
    CourseEnrolment.objects.filter(pk=finished.pk).update(status="completed")
    running = enrolled(offer, given="Grace", family="Hopper", client_id="L1002")
    never_enrolled = learner_make(client_id="L1003")
    _rule("completed")

    out = StringIO()
    call_command("learners_apply_inactive_rule", stdout=out)

    assert "L1001 Ada Lovelace" in out.getvalue()
    assert "Marked 1 learner(s) inactive." in out.getvalue()
    active = dict(Learner.objects.values_list("client_id", "is_active"))
    assert (active["L1001"], active["L1002"], active["L1003"]) == (False, True, True)
    assert running.learner.is_active and never_enrolled.is_active
    event = Event.objects.get(subject_type="learner", action="deactivated")
    assert event.actor_name == "system"


def test_the_command_dry_run_changes_nothing(offer):
    finished = enrolled(offer)
    CourseEnrolment.objects.filter(pk=finished.pk).update(status="completed")
    _rule("completed")

    out = StringIO()
    call_command("learners_apply_inactive_rule", "--dry-run", stdout=out)

    assert "Would mark 1 learner(s) inactive." in out.getvalue()
    assert Learner.objects.get(pk=finished.learner_id).is_active is True
    assert not Event.objects.filter(action="deactivated").exists()


def test_owner_chooses_the_statuses_in_settings(owner_client):
    response = owner_client.post(
        reverse("organisation:settings"),
        settings_data(learner_inactive_statuses=["completed", "withdrawn"]),
        follow=True,
    )

    assert Organisation.load().learner_inactive_statuses == ["completed", "withdrawn"]
    ticked = re.findall(r'value="(\w+)"[^>]*checked', page_text(response))
    assert [s for s in ticked if s in ("completed", "withdrawn", "deferred")] == [
        "completed",
        "withdrawn",
    ]


def test_active_is_not_a_finished_status(owner):
    with pytest.raises(ValidationError) as refused:
        organisation_update(actor=owner, learner_inactive_statuses=["completed", "active"])

    assert refused.value.message_dict["learner_inactive_statuses"] == [
        INACTIVE_RULE_BAD_STATUS.format(value="active")
    ]
    assert Organisation.load().learner_inactive_statuses == []
