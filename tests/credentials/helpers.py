"""Shared set-up for lifecycle tests: a configured RTO and enrolments ready for credentials."""

from django.utils import timezone

from testamur.credentials.issue_options import IssueOptions
from testamur.credentials.models import Credential, RunKind
from testamur.credentials.runs import run_start
from tests.factories import (
    course_make,
    credential_make,
    enrolment_make,
    offer_make,
    organisation_configured,
    template_make,
    unit_make,
)


def completed_offer(n_learners: int, *, units: int = 3, code: str = "BSB40120"):
    """Enrolments in one offer of a qualification where every learner achieved every unit."""
    organisation_configured()
    unit_list = [
        unit_make(f"BSBTST{code[-3:]}{i}", title=f"Unit {i} of {code}") for i in range(units)
    ]
    course = course_make(code, title="Certificate IV in Business", units=unit_list, aqf_level=4)
    offer = offer_make(course)
    outcomes = {u.code: "20" for u in unit_list}
    return [enrolment_make(offer=offer, outcomes=outcomes) for _ in range(n_learners)]


def requested(enrolments, credential_type="statement_of_attainment", template=None):
    template = template or template_make(credential_type)
    return [credential_make(e, template=template) for e in enrolments]


def run(actor, kind, credentials, capture, **options):
    """Start a run and process it; an issue run's `options` are IssueOptions fields."""
    issue_options = None
    if kind == RunKind.ISSUE:
        issue_options = IssueOptions(**{"issued_on": timezone.localdate(), **options})
    with capture(execute=True):
        generation_run, outcome = run_start(
            actor=actor, kind=kind, credentials=list(credentials), options=issue_options
        )
    generation_run.refresh_from_db()
    return generation_run, outcome


def generated(actor, credentials, capture):
    run(actor, RunKind.PREVIEW, credentials, capture)
    return [Credential.objects.get(pk=c.pk) for c in credentials]


def issue(actor, credentials, capture, **options):
    """Issue these credentials in a run, dated today unless `issued_on` says otherwise."""
    return run(actor, RunKind.ISSUE, credentials, capture, **options)


def qualification_world(*, given_name: str = "Mia", family_name: str = "Nguyen"):
    """A learner who completed an offer of CHC33021 (every unit achieved, enrolment
    Completed) and whose qualification enrolment in CHC33021 is Ready to be Requested.

    Returns (course enrolment, qualification enrolment)."""
    from testamur.training.models import EnrolmentStatus
    from tests.factories import learner_make, qualification_enrolment_make, units_make
    from tests.qualifications.helpers import AGEING, CORE, OTHER, individual_support

    organisation_configured(website="https://harbourcity.example")
    qualification = individual_support()
    codes = CORE + AGEING + OTHER[:3]
    qualification.units.set(units_make(*codes))
    offer = offer_make(qualification, code="CHC33021-2026")
    learner = learner_make(given_name=given_name, family_name=family_name)
    enrolment = enrolment_make(
        learner,
        offer,
        outcomes=dict.fromkeys(codes, "20"),
        status=EnrolmentStatus.COMPLETED,
        completion_date=offer.end_date.replace(day=20),
    )
    return enrolment, qualification_enrolment_make(learner, qualification, major="Ageing")
