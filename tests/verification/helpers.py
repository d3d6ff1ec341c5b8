"""Issued credentials, made the way an RTO makes them (request → generate → issue run)."""

import re

from testamur.credentials.models import Credential
from tests.credentials.helpers import generated, issue, requested
from tests.factories import (
    course_make,
    enrolment_make,
    learner_make,
    offer_make,
    organisation_configured,
    unit_make,
)

UNITS = [
    ("BSBWHS411", "Implement and monitor WHS policies, procedures and programs"),
    ("BSBOPS404", "Implement customer service standards"),
    ("BSBXCM401", "Apply communication strategies in the workplace"),
]


def enrolments_for(learners, *, achieved=("BSBWHS411", "BSBOPS404")):
    organisation_configured(website="https://harbourcity.example")
    units = [unit_make(code, title=title) for code, title in UNITS]
    course = course_make("BSB40120", title="Certificate IV in Business", units=units, aqf_level=4)
    offer = offer_make(course, code="BSB40120-2026-T1")
    outcomes = {code: ("20" if code in achieved else "30") for code, _ in UNITS}
    return [enrolment_make(learner=learner, offer=offer, outcomes=outcomes) for learner in learners]


def issued(actor, capture, enrolments, credential_type="statement_of_attainment"):
    credentials = generated(actor, requested(enrolments, credential_type), capture)
    issue(actor, credentials, capture)
    return [Credential.objects.get(pk=c.pk) for c in credentials]


def one_issued(
    actor, capture, credential_type="statement_of_attainment", achieved=None, **learner_fields
):
    learner = learner_make(
        given_name=learner_fields.pop("given_name", "Mia"),
        family_name=learner_fields.pop("family_name", "Nguyen"),
        middle_names=learner_fields.pop("middle_names", "Rose"),
        **learner_fields,
    )
    if achieved is None:
        achieved = (
            ("BSBWHS411", "BSBOPS404", "BSBXCM401")
            if credential_type == "testamur"
            else (
                "BSBWHS411",
                "BSBOPS404",
            )
        )
    enrolments = enrolments_for([learner], achieved=achieved)
    return issued(actor, capture, enrolments, credential_type)[0]


def without_csrf(content: bytes) -> bytes:
    """A page with its CSRF tokens blanked (they differ on every response by design)."""
    content = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", content)
    return re.sub(rb'"X-CSRFToken": "[^"]+"', b"", content)
