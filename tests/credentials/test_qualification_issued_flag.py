"""The course enrolment's qualification-issued flag, parchment number and issued date follow a
testamur of a qualification issued as the final qualification, and only that (issue 15,
reproductions 2 and 3): never a Statement of Attainment, record of results or transcript;
and a testamur from a qualification enrolment marks the learner's course enrolment in an
offer of the qualification, so NAT00130 reports it issued."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from testamur.credentials.models import Credential, CredentialStatus, CredentialType
from testamur.credentials.qualification_requests import credential_request_for_qualification
from testamur.training.models import CourseEnrolment, EnrolmentStatus
from tests.credentials.helpers import generated, qualification_world, requested
from tests.factories import course_make, enrolment_make, location_make, offer_make, unit_make
from tests.interchange.helpers import export_files
from tests.interchange.test_avetmiss_export import lines

pytestmark = pytest.mark.django_db

ISSUED_ON = timezone.localdate() - timedelta(days=2)


def _issue_on_the_page(client, credentials, capture, *, final: bool):
    with capture(execute=True):
        response = client.post(
            reverse("credentials:issue"),
            {
                "credential": [c.pk for c in credentials],
                "final_qualification": "yes" if final else "no",
                "issued_date": ISSUED_ON.isoformat(),
            },
        )
    assert response.status_code == 302, response.content.decode()


def test_a_statement_of_attainment_never_marks_the_qualification_issued(
    rto_admin, rto_admin_client, django_capture_on_commit_callbacks
):
    from tests.factories import organisation_configured

    organisation_configured()
    units = [unit_make(f"BSBTST{i:03d}", title=f"Unit {i}") for i in range(12)]
    course = course_make("BSB40120", title="Certificate IV in Business", units=units, aqf_level=4)
    outcomes = {u.code: ("20" if i < 4 else "70") for i, u in enumerate(units)}
    pending = enrolment_make(
        offer=offer_make(course), outcomes=outcomes, status=EnrolmentStatus.COMPLETION_PENDING
    )
    soa = generated(rto_admin, requested([pending]), django_capture_on_commit_callbacks)

    _issue_on_the_page(rto_admin_client, soa, django_capture_on_commit_callbacks, final=True)

    (credential,) = Credential.objects.filter(course_enrolment=pending)
    assert credential.status == CredentialStatus.ISSUED
    assert not credential.final_qualification
    pending.refresh_from_db()
    assert (pending.qual_issued, pending.parchment_number, pending.issued_date) == (False, "", None)


def test_a_testamur_from_a_qualification_enrolment_marks_the_course_enrolment_issued(
    rto_admin, rto_admin_client, django_capture_on_commit_callbacks
):
    course_enrolment, qualification_enrolment = qualification_world()
    offer = course_enrolment.offer
    offer.location = location_make(code="PAR")
    offer.save()
    with django_capture_on_commit_callbacks(execute=True):
        credentials = credential_request_for_qualification(
            actor=rto_admin,
            qualification_enrolment=qualification_enrolment,
            credential_date=timezone.localdate(),
        )
    testamur = next(c for c in credentials if c.credential_type == CredentialType.TESTAMUR)

    _issue_on_the_page(rto_admin_client, [testamur], django_capture_on_commit_callbacks, final=True)

    testamur.refresh_from_db()
    course_enrolment.refresh_from_db()
    assert testamur.status == CredentialStatus.ISSUED
    assert (
        course_enrolment.qual_issued,
        course_enrolment.parchment_number,
        course_enrolment.issued_date,
    ) == (True, testamur.number, ISSUED_ON)
    enrolment_page = rto_admin_client.get(
        reverse("training:enrolment_detail", args=[course_enrolment.pk])
    ).content.decode()
    assert f"<dt>Parchment number</dt><dd>{testamur.number}</dd>" in enrolment_page
    (completion,) = lines(export_files(), "NAT00130")
    assert completion[20:30].strip() == course_enrolment.learner.client_id
    assert completion[38] == "Y"


def test_of_several_course_enrolments_the_completed_one_is_marked(
    rto_admin, django_capture_on_commit_callbacks
):
    from tests.credentials.helpers import issue

    course_enrolment, qualification_enrolment = qualification_world()
    # An earlier, unfinished attempt at the same qualification.
    earlier = offer_make(
        course_enrolment.offer.course,
        code="CHC33021-2025",
        start_date=date(2025, 2, 3),
        end_date=date(2025, 11, 28),
    )
    earlier_enrolment = enrolment_make(course_enrolment.learner, earlier)
    with django_capture_on_commit_callbacks(execute=True):
        credentials = credential_request_for_qualification(
            actor=rto_admin,
            qualification_enrolment=qualification_enrolment,
            credential_date=timezone.localdate(),
        )
    testamur = next(c for c in credentials if c.credential_type == CredentialType.TESTAMUR)

    issue(
        rto_admin,
        [testamur],
        django_capture_on_commit_callbacks,
        issued_on=ISSUED_ON,
        final_qualification=True,
    )

    marked = CourseEnrolment.objects.filter(qual_issued=True)
    assert list(marked) == [course_enrolment]
    earlier_enrolment.refresh_from_db()
    assert earlier_enrolment.parchment_number == ""
