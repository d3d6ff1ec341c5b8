"""Enrolling a learner in a qualification: audited straight away; bad input explained and
nothing created."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from testamur.qualifications.models import Major, QualificationEnrolment, QualificationStatus
from testamur.qualifications.services import qualification_enrolment_create
from testamur.qualifications.services.enrolments import (
    ALREADY_ENROLLED,
    MAJOR_NOT_IN_QUALIFICATION,
    MAJOR_REQUIRED,
    NO_MAJORS,
    NO_PACKAGING_RULE,
)
from testamur.training.forms import UNKNOWN_LEARNER_ID
from tests.factories import course_make, learner_make, system_actor
from tests.qualifications.helpers import AGEING, CORE, OTHER, achieve, business, individual_support

pytestmark = pytest.mark.django_db

URL = "qualifications:enrolment_create"


def post(client, **data):
    return client.post(reverse(URL), data, follow=True)


def test_enrolling_from_the_learner_tab_audits_the_learner(rto_user_client):
    chc = individual_support()
    learner = learner_make(given_name="Tevita", family_name="Fifita", client_id="HC20001")
    achieve(learner, CORE + AGEING + OTHER[:3])
    tab = rto_user_client.get(reverse("qualifications:learner_qualifications", args=[learner.pk]))
    assert "Tevita is not enrolled in any qualification yet." in tab.content.decode()
    form = rto_user_client.get(reverse(URL) + f"?learner={learner.pk}")
    assert 'value="HC20001"' in form.content.decode()

    ageing = Major.objects.get(name="Ageing")
    response = post(rto_user_client, learner="hc20001", qualification=chc.pk, major=ageing.pk)
    page = response.content.decode()
    assert "Enrolled Tevita Fifita in CHC33021. Assigned Major Achieved: Ageing." in page
    assert "Ready to be Requested" in page
    enrolment = QualificationEnrolment.objects.get()
    assert enrolment.status == QualificationStatus.READY
    tab = rto_user_client.get(reverse("qualifications:learner_qualifications", args=[learner.pk]))
    assert "CHC33021" in tab.content.decode()


@pytest.mark.parametrize(
    "case",
    ["unknown learner", "no rules", "major missing", "major of another qualification", "no majors"],
)
def test_bad_enrolments_are_explained_and_nothing_is_created(rto_user_client, case):
    chc = individual_support()
    bsb = business()
    bare = course_make("SIT30821", title="Certificate III in Commercial Cookery")
    learner = learner_make(client_id="HC20002")
    ageing = Major.objects.get(name="Ageing")
    data, message = {
        "unknown learner": (
            {"learner": "HC99999", "qualification": chc.pk, "major": ageing.pk},
            UNKNOWN_LEARNER_ID.format(client_id="HC99999"),
        ),
        "no rules": ({"learner": "HC20002", "qualification": bare.pk}, "Select a valid choice"),
        "major missing": (
            {"learner": "HC20002", "qualification": chc.pk},
            MAJOR_REQUIRED.format(qualification="CHC33021"),
        ),
        "major of another qualification": (
            {"learner": "HC20002", "qualification": chc.pk, "major": ageing.pk + 99},
            "Select a valid choice",
        ),
        "no majors": (
            {"learner": "HC20002", "qualification": bsb.pk, "major": ageing.pk},
            NO_MAJORS.format(major="Ageing", qualification="BSB40120"),
        ),
    }[case]
    response = post(rto_user_client, **data)
    assert escape(message) in response.content.decode()
    assert not QualificationEnrolment.objects.filter(learner=learner).exists()


def test_a_second_enrolment_in_the_same_qualification_is_refused_naming_the_first(
    rto_user_client,
):
    chc = individual_support()
    learner_make(given_name="Sina", family_name="Leota", client_id="HC20003")
    ageing = Major.objects.get(name="Ageing")
    post(rto_user_client, learner="HC20003", qualification=chc.pk, major=ageing.pk)
    response = post(rto_user_client, learner="HC20003", qualification=chc.pk, major=ageing.pk)
    expected = ALREADY_ENROLLED.format(
        learner="Sina Leota", qualification="CHC33021", status="Not Yet Achieved"
    )
    assert expected in response.content.decode()
    assert QualificationEnrolment.objects.count() == 1


def test_the_services_refuse_what_the_form_cannot_catch():
    chc = individual_support()
    other = business()
    bare = course_make("SIT30821", title="Certificate III in Commercial Cookery")
    learner = learner_make()
    actor = system_actor()
    with pytest.raises(ValidationError) as refused:
        qualification_enrolment_create(actor=actor, learner=learner, qualification=bare)
    assert refused.value.messages == [NO_PACKAGING_RULE.format(qualification="SIT30821")]
    with pytest.raises(ValidationError) as refused:
        qualification_enrolment_create(actor=actor, learner=learner, qualification=chc, major=None)
    assert refused.value.messages == [MAJOR_REQUIRED.format(qualification="CHC33021")]
    foreign = Major.objects.create(rule=other.packaging_rule, name="Leadership")
    with pytest.raises(ValidationError) as refused:
        qualification_enrolment_create(
            actor=actor, learner=learner, qualification=chc, major=foreign
        )
    assert refused.value.messages == [
        MAJOR_NOT_IN_QUALIFICATION.format(major="Leadership", qualification="CHC33021")
    ]
    assert not QualificationEnrolment.objects.exists()
