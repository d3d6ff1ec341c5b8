"""The qualification list and a qualification's Enrolments tab: counts, filters, and the bulk
Audit that tells the user what it found."""

import pytest
from django.urls import reverse

from testamur.qualifications.models import QualificationEnrolment, QualificationStatus
from testamur.qualifications.views.qualifications import BULK_NO_ACTION, BULK_NONE_SELECTED
from tests.factories import course_make, learner_make, qualification_enrolment_make
from tests.qualifications.helpers import AGEING, CORE, OTHER, achieve, individual_support

pytestmark = pytest.mark.django_db


@pytest.fixture
def chc_enrolments():
    chc = individual_support()
    enrolments = []
    for name, major in (("Amy", "Ageing"), ("Ben", "Disability"), ("Cat", "Ageing")):
        learner = learner_make(given_name=name, family_name="Tran")
        enrolments.append(qualification_enrolment_make(learner, chc, major=major))
    return chc, enrolments


def test_the_list_shows_each_qualification_with_its_counts(rto_user_client, chc_enrolments):
    course_make("SIT30821", title="Certificate III in Commercial Cookery")
    course_make(
        "SITSS00069",
        title="Food Safety Supervision Skill Set",
        course_type="skill_set",
        aqf_level=None,
    )
    page = rto_user_client.get(reverse("qualifications:list")).content.decode()
    assert "CHC33021" in page and "SIT30821" in page
    assert "SITSS00069" not in page  # a skill set is not a qualification
    assert "Not set up" in page  # SIT30821 has no packaging rules


def test_bulk_audit_after_results_come_in(rto_user_client, chc_enrolments):
    chc, (amy, ben, cat) = chc_enrolments
    for enrolment in (amy, ben):
        achieve(enrolment.learner, CORE + AGEING + OTHER[:3])
    url = reverse("qualifications:bulk", args=[chc.pk])

    response = rto_user_client.post(
        url, {"action": "audit", "enrolment": [amy.pk, ben.pk, cat.pk]}, follow=True
    )
    page = response.content.decode()
    assert (
        "Audited 3 enrolments (Assigned Major Achieved 1, No Majors Achieved 1, "
        "Other Majors Achieved 1). 1 now Ready to be Requested."
    ) in page
    statuses = dict(QualificationEnrolment.objects.values_list("learner__given_name", "status"))
    assert statuses == {
        "Amy": QualificationStatus.READY,
        "Ben": QualificationStatus.NOT_YET_ACHIEVED,
        "Cat": QualificationStatus.NOT_YET_ACHIEVED,
    }

    ready = rto_user_client.get(
        reverse("qualifications:detail", args=[chc.pk]), {"status": "ready"}
    ).content.decode()
    assert "Amy Tran" in ready and "Ben Tran" not in ready
    other = rto_user_client.get(
        reverse("qualifications:detail", args=[chc.pk]), {"outcome": "other_majors"}
    ).content.decode()
    assert "Ben Tran" in other and "Amy Tran" not in other


def test_the_bulk_bar_explains_an_empty_selection_or_a_missing_action(
    rto_user_client, chc_enrolments
):
    chc, (amy, *_) = chc_enrolments
    url = reverse("qualifications:bulk", args=[chc.pk])
    page = rto_user_client.post(url, {"action": "audit"}, follow=True).content.decode()
    assert BULK_NONE_SELECTED in page
    page = rto_user_client.post(url, {"enrolment": [amy.pk]}, follow=True).content.decode()
    assert BULK_NO_ACTION in page
    page = rto_user_client.post(
        url, {"action": "audit", "enrolment": ["x", "999999"]}, follow=True
    ).content.decode()
    assert "2 selected enrolment(s) are not in this qualification and were ignored." in page


def test_the_enrolment_page_explains_each_major(rto_user_client, chc_enrolments):
    _, (amy, *_) = chc_enrolments
    achieve(amy.learner, CORE + AGEING + OTHER[:2])
    rto_user_client.post(reverse("qualifications:enrolment_audit", args=[amy.pk]))
    page = rto_user_client.get(
        reverse("qualifications:enrolment_detail", args=[amy.pk])
    ).content.decode()
    assert "No Majors Achieved: assigned major Ageing needs 1 more elective." in page
    assert "Major: Ageing" in page and "Major: Disability" in page
    assert "<code>CHCDIS011</code>, <code>CHCDIS012</code>, <code>CHCDIS020</code>" in page
    assert "14 achieved units" in page


def test_a_qualification_without_rules_says_so_and_a_skill_set_is_not_found(rto_user_client):
    sit = course_make("SIT30821", title="Certificate III in Commercial Cookery")
    page = rto_user_client.get(reverse("qualifications:detail", args=[sit.pk])).content.decode()
    assert "SIT30821 has no packaging rules yet, so its learners cannot be audited." in page
    skill_set = course_make(course_type="skill_set", aqf_level=None)
    assert (
        rto_user_client.get(reverse("qualifications:detail", args=[skill_set.pk])).status_code
        == 404
    )
