"""Switch major: a learner who achieved another major than their own moves to it and becomes
Ready to be Requested; anything else is refused with the reason."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from testamur.core.models import Event
from testamur.qualifications.models import AuditOutcome, Major, QualificationStatus
from testamur.qualifications.services import qualification_enrolment_switch_major
from testamur.qualifications.services.enrolments import MAJOR_NOT_ACHIEVED, SWITCH_TOO_LATE
from testamur.qualifications.views.enrolments import NO_OTHER_MAJOR
from tests.factories import learner_make, qualification_enrolment_make, system_actor
from tests.qualifications.helpers import AGEING, CORE, OTHER, achieve, individual_support

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_major():
    """Achieved Ageing, assigned Disability: Other Majors Achieved."""
    chc = individual_support()
    learner = learner_make(given_name="Losa", family_name="Vake")
    achieve(learner, CORE + AGEING + OTHER[:3])
    enrolment = qualification_enrolment_make(learner, chc, major="Disability")
    assert enrolment.audit_outcome == AuditOutcome.OTHER_MAJORS
    return enrolment


def test_switching_to_the_achieved_major_makes_the_enrolment_ready(rto_user_client, other_major):
    detail = reverse("qualifications:enrolment_detail", args=[other_major.pk])
    switch = reverse("qualifications:enrolment_switch_major", args=[other_major.pk])
    assert switch in rto_user_client.get(detail).content.decode()
    form = rto_user_client.get(switch).content.decode()
    assert ">Ageing<" in form and ">Disability<" not in form

    ageing = Major.objects.get(name="Ageing")
    response = rto_user_client.post(switch, {"major": ageing.pk}, follow=True)
    page = response.content.decode()
    assert "Losa Vake&#x27;s major is now Ageing. Assigned Major Achieved: Ageing." in page
    other_major.refresh_from_db()
    assert other_major.major == ageing
    assert other_major.status == QualificationStatus.READY
    event = Event.objects.get(action="major_switched")
    assert event.data["major"] == ["Disability", "Ageing"]


def test_a_major_not_achieved_is_refused_with_what_it_still_needs(other_major):
    with pytest.raises(ValidationError) as refused:
        qualification_enrolment_switch_major(
            actor=system_actor(),
            enrolment=other_major,
            major=Major.objects.get(name="Ageing and Disability"),
        )
    assert refused.value.messages == [
        MAJOR_NOT_ACHIEVED.format(
            major="Ageing and Disability", needs="CHCDIS011, CHCDIS012, CHCDIS020"
        )
    ]
    other_major.refresh_from_db()
    assert other_major.major.name == "Disability"


def test_the_major_is_fixed_once_credentials_are_requested(other_major):
    type(other_major).objects.filter(pk=other_major.pk).update(
        status=QualificationStatus.GENERATING
    )
    with pytest.raises(ValidationError) as refused:
        qualification_enrolment_switch_major(
            actor=system_actor(), enrolment=other_major, major=Major.objects.get(name="Ageing")
        )
    assert refused.value.messages == [SWITCH_TOO_LATE.format(status="Generating Credential")]


def test_no_switch_is_offered_when_no_other_major_is_achieved(rto_user_client):
    chc = individual_support()
    enrolment = qualification_enrolment_make(learner_make(), chc, major="Ageing")
    switch = reverse("qualifications:enrolment_switch_major", args=[enrolment.pk])
    detail = rto_user_client.get(reverse("qualifications:enrolment_detail", args=[enrolment.pk]))
    assert switch not in detail.content.decode()
    response = rto_user_client.post(
        switch, {"major": Major.objects.get(name="Disability").pk}, follow=True
    )
    message = NO_OTHER_MAJOR.format(
        name=enrolment.learner.full_name, outcome="No Majors Achieved"
    ).replace("'", "&#x27;")
    assert message in response.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.major.name == "Ageing"
