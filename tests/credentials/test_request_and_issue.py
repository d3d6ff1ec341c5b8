"""Request and issue: from a course offer or a qualification to issued credentials on one
screen, with what is left out (and why) listed before anything starts (issue 18)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from testamur.credentials.models import (
    Credential,
    CredentialStatus,
    CredentialType,
    GenerationRun,
    RunKind,
)
from testamur.credentials.request_issue import NOTHING_EARNED
from testamur.learners.models import UsiStatus
from testamur.qualifications.models import QualificationStatus
from testamur.training.models import EnrolmentStatus
from tests.credentials.helpers import completed_offer, qualification_world
from tests.factories import (
    enrolment_make,
    learner_make,
    qualification_enrolment_make,
    template_make,
)
from tests.organisation.helpers import page_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def templates():
    return {
        kind: template_make(kind)
        for kind in ("testamur", "record_of_results", "statement_of_attainment")
    }


def _offer_world():
    """Two learners who finished everything, one with one unit achieved, one with none."""
    done = completed_offer(2, units=2)
    offer = done[0].offer
    units = list(offer.course.units.order_by("code"))
    partial = enrolment_make(
        learner=learner_make(given_name="Pia", family_name="Partial"),
        offer=offer,
        outcomes={units[0].code: "20", units[1].code: "30"},
    )
    nothing = enrolment_make(
        learner=learner_make(given_name="Ned", family_name="Nothing"),
        offer=offer,
        outcomes={units[0].code: "30"},
    )
    return offer, done, partial, nothing


def test_the_page_lists_what_is_issued_by_what_was_earned_and_what_is_left_out(
    rto_admin_client, templates
):
    offer, done, partial, nothing = _offer_world()
    url = reverse("credentials:request_issue_offer", args=[offer.pk])
    ids = [e.pk for e in [*done, partial, nothing]]

    page = page_text(rto_admin_client.get(url, {"enrolment": ids}))

    to_issue = page.split('id="to-issue"')[1].split("</table>")[0]
    assert to_issue.count("<td>Testamur <small") == 2
    assert to_issue.count("<td>Record of Results <small") == 2
    assert "Pia Partial" in to_issue
    assert to_issue.count("<td>Statement of Attainment <small") == 1
    left_out = page.split('id="left-out"')[1].split("</table>")[0]
    assert "Ned Nothing" in left_out and NOTHING_EARNED in left_out
    assert reverse("training:enrolment_detail", args=[nothing.pk]) in left_out
    assert "Request and issue 5 credentials" in page
    assert "The date printed on every document" in page
    assert not Credential.objects.exists()  # nothing starts before the confirmation


def test_request_and_issue_from_an_offer_issues_everything_in_one_run(
    rto_admin_client, templates, django_capture_on_commit_callbacks
):
    offer, done, partial, nothing = _offer_world()
    url = reverse("credentials:request_issue_offer", args=[offer.pk])
    ids = [e.pk for e in [*done, partial, nothing]]

    with django_capture_on_commit_callbacks(execute=True):
        response = rto_admin_client.post(
            url,
            {"enrolment": ids, "issued_date": timezone.localdate().isoformat()},
            follow=True,
        )

    run = GenerationRun.objects.get()
    assert run.kind == RunKind.ISSUE
    run.refresh_from_db()
    assert (run.done_count, run.skipped_count) == (5, 0)
    assert run.combined_pdf
    issued = Credential.objects.filter(status=CredentialStatus.ISSUED)
    assert issued.count() == 5
    assert all(c.document for c in issued)
    assert not Credential.objects.filter(course_enrolment=nothing).exists()
    assert response.redirect_chain[-1][0] == reverse("credentials:run_detail", args=[run.pk])
    page = page_text(rto_admin_client.get(response.redirect_chain[-1][0]))
    assert "Print version (combined PDF)" in page
    left_out = page.split('id="left-out-before"')[1].split("</table>")[0]
    assert "Ned Nothing" in left_out and NOTHING_EARNED in left_out


def test_a_refused_issued_date_requests_nothing(rto_admin_client, templates):
    offer, done, _partial, _nothing = _offer_world()
    url = reverse("credentials:request_issue_offer", args=[offer.pk])
    tomorrow = timezone.localdate() + timezone.timedelta(days=1)

    page = page_text(
        rto_admin_client.post(
            url, {"enrolment": [e.pk for e in done], "issued_date": tomorrow.isoformat()}
        )
    )

    assert "is in the future" in page
    assert not Credential.objects.exists()
    assert not GenerationRun.objects.exists()


def test_unverified_usi_under_the_warn_setting_needs_a_tick(rto_admin_client, templates):
    offer, done, _partial, _nothing = _offer_world()
    learner = done[0].learner
    learner.usi, learner.usi_status, learner.usi_verified_on = None, UsiStatus.NOT_SUPPLIED, None
    learner.save()
    from testamur.organisation.models import Organisation, UsiGate

    Organisation.objects.update(usi_gate=UsiGate.WARN)
    url = reverse("credentials:request_issue_offer", args=[offer.pk])
    data = {"enrolment": [e.pk for e in done], "issued_date": timezone.localdate().isoformat()}

    page = page_text(rto_admin_client.post(url, data))

    assert "tick the box to issue them anyway" in page
    assert not Credential.objects.exists()


def test_a_user_cannot_request_and_issue(rto_user_client, templates):
    offer, done, _partial, _nothing = _offer_world()
    url = reverse("credentials:request_issue_offer", args=[offer.pk])
    response = rto_user_client.get(url, {"enrolment": [done[0].pk]})
    assert response.status_code == 403


def test_request_and_issue_from_a_qualification(
    rto_admin_client, templates, django_capture_on_commit_callbacks
):
    enrolment, qualification_enrolment = qualification_world()
    assert qualification_enrolment.status == QualificationStatus.READY
    other = qualification_enrolment_make(
        learner_make(given_name="Ada", family_name="Lovelace"),
        qualification_enrolment.qualification,
        major="Ageing",
    )
    assert other.status == QualificationStatus.NOT_YET_ACHIEVED
    url = reverse(
        "credentials:request_issue_qualification", args=[qualification_enrolment.qualification_id]
    )
    ids = [qualification_enrolment.pk, other.pk]

    page = page_text(rto_admin_client.get(url, {"enrolment": ids}))
    assert "Ada Lovelace" in page.split('id="left-out"')[1]
    with django_capture_on_commit_callbacks(execute=True):
        rto_admin_client.post(
            url, {"enrolment": ids, "issued_date": timezone.localdate().isoformat()}
        )

    issued = Credential.objects.filter(
        qualification_enrolment=qualification_enrolment, status=CredentialStatus.ISSUED
    )
    assert sorted(issued.values_list("credential_type", flat=True)) == sorted(
        [CredentialType.RECORD_OF_RESULTS, CredentialType.TESTAMUR]
    )
    qualification_enrolment.refresh_from_db()
    assert qualification_enrolment.status == QualificationStatus.ISSUED
    assert not Credential.objects.filter(qualification_enrolment=other).exists()
    assert enrolment.status == EnrolmentStatus.COMPLETED
