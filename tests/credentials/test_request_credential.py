"""Requesting credentials, one from a course enrolment and many from a course offer."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from testamur.core.models import Event
from testamur.credentials.models import CredentialStatus
from testamur.credentials.services import (
    ALREADY_HAS,
    credential_request,
    credential_request_bulk,
)
from tests.factories import course_make, enrolment_make, offer_make, template_make, unit_make

pytestmark = pytest.mark.django_db


def test_request_creates_a_requested_credential_with_an_event(rto_user):
    enrolment = enrolment_make()
    template = template_make("statement_of_attainment")
    credential = credential_request(
        actor=rto_user,
        course_enrolment=enrolment,
        template=template,
        credential_date=date(2026, 11, 20),
        status_reason="End of term",
    )
    assert credential.status == CredentialStatus.REQUESTED
    assert credential.learner == enrolment.learner
    assert credential.number is None
    assert credential.credential_type == "statement_of_attainment"
    event = Event.objects.get(subject_type="credential", subject_id=str(credential.pk))
    assert (event.action, event.to_state, event.reason) == ("requested", "requested", "End of term")
    assert event.learner_id == enrolment.learner_id


def test_second_request_of_the_same_type_is_refused_with_the_existing_one_named(rto_user):
    enrolment = enrolment_make()
    template = template_make("statement_of_attainment")
    credential_request(
        actor=rto_user,
        course_enrolment=enrolment,
        template=template,
        credential_date=date(2026, 11, 20),
    )
    with pytest.raises(ValidationError) as excinfo:
        credential_request(
            actor=rto_user,
            course_enrolment=enrolment,
            template=template,
            credential_date=date(2026, 11, 21),
        )
    assert "already has Statement of Attainment" in excinfo.value.messages[0]
    assert ALREADY_HAS.split("{")[0] == ""  # the message starts with the learner's name
    assert enrolment.credentials.count() == 1


def test_template_without_active_version_cannot_be_requested(rto_user):
    template = template_make("testamur")
    template.versions.update(state="draft")
    with pytest.raises(ValidationError, match="has no active version"):
        credential_request(
            actor=rto_user,
            course_enrolment=enrolment_make(),
            template=template,
            credential_date=date(2026, 11, 20),
        )


def test_bulk_request_from_an_offer_skips_duplicates_and_says_why(rto_user):
    course = course_make(units=[unit_make()])
    offer = offer_make(course)
    enrolments = [enrolment_make(offer=offer) for _ in range(5)]
    template = template_make("statement_of_attainment")
    credential_request(
        actor=rto_user,
        course_enrolment=enrolments[0],
        template=template,
        credential_date=date(2026, 11, 20),
    )
    outcome = credential_request_bulk(
        actor=rto_user,
        course_enrolments=enrolments,
        template=template,
        credential_date=date(2026, 11, 20),
    )
    assert len(outcome.done) == 4
    assert len(outcome.skipped) == 1
    assert outcome.summary().startswith("4 requested, 1 skipped: ")
    assert enrolments[0].learner.full_name in outcome.summary()


def test_a_person_without_the_request_permission_cannot_request(make_user):
    from django.contrib.auth.models import Group

    stranger = make_user("User")
    stranger.groups.set([Group.objects.create(name="Nobody")])
    with pytest.raises(PermissionDenied):
        credential_request(
            actor=stranger,
            course_enrolment=enrolment_make(),
            template=template_make(),
            credential_date=date(2026, 11, 20),
        )
