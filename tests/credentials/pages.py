"""What the credential page tests share: an offer with one unit, a testamur for a learner on it
(requested or issued through real runs), and a page's text."""

from django.utils import timezone

from testamur.credentials.issue_options import IssueOptions
from testamur.credentials.models import CredentialStatus, RunKind
from testamur.credentials.runs import run_start
from tests.factories import (
    course_make,
    credential_make,
    enrolment_make,
    learner_make,
    offer_make,
    organisation_configured,
    template_make,
    unit_make,
)


def one_unit_offer():
    organisation_configured()
    return offer_make(course_make(units=[unit_make()]), code="SIT3-2026-T1")


def business_offer():
    organisation_configured()
    course = course_make("BSB40120", title="Certificate IV in Business", units=[unit_make()])
    return offer_make(course, code="BSB40120-2026-T1")


def request_templates() -> dict:
    soa = template_make("statement_of_attainment", name="Generic Statement of Attainment")
    testamur = template_make("testamur", name="Generic Testamur")
    retired = template_make("testamur", name="Old Testamur")
    retired.versions.update(state="retired")
    return {"soa": soa, "testamur": testamur, "retired": retired}


def requested_testamur(offer, **learner_fields):
    """A requested testamur for a new learner who achieved the offer's unit."""
    unit = offer.course.units.get()
    enrolment = enrolment_make(
        learner=learner_make(**learner_fields), offer=offer, outcomes={unit.code: "20"}
    )
    return credential_make(enrolment, template=template_make("testamur"))


def issued_testamur(actor, capture, offer, **learner_fields):
    """A testamur generated and issued through real runs."""
    credential = requested_testamur(offer, **learner_fields)
    with capture(execute=True):
        run_start(actor=actor, kind=RunKind.PREVIEW, credentials=[credential])
    with capture(execute=True):
        run_start(
            actor=actor,
            kind=RunKind.ISSUE,
            credentials=[credential],
            options=IssueOptions(issued_on=timezone.localdate(), final_qualification=True),
        )
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.ISSUED
    return credential


def page_text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()
