"""Shared set-up for the finalisation tests: an offer of three units run one after another."""

from django.urls import reverse
from django.utils.html import escape

from tests.factories import course_make, enrolment_make, learner_make, offer_make, unit_make

# In code order the units run 02/02–15/02, 16/02–01/03 and 02/03–15/03/2026, 20 scheduled
# hours each (tests.factories.enrolment_make).
UNIT_CODES = ("BSBOPS404", "BSBWHS411", "BSBXCM401")


def three_unit_offer(code: str = "BSB4-2026-T1"):
    units = [unit_make(c, title=f"Unit {c}") for c in UNIT_CODES]
    course = course_make("BSB40120", title="Certificate IV in Business", units=units)
    return offer_make(course, code=code)


def enrolled(offer, *, given="Ada", family="Lovelace", client_id=None, outcomes=None, **fields):
    learner = learner_make(
        given_name=given, family_name=family, **({"client_id": client_id} if client_id else {})
    )
    return enrolment_make(learner, offer, outcomes=outcomes, **fields)


def units_by_code(enrolment) -> dict:
    return {ue.unit.code: ue for ue in enrolment.unit_enrolments.select_related("unit", "outcome")}


def finalise_url(enrolment) -> str:
    return reverse("training:enrolment_finalise", args=[enrolment.pk])


def shows(response, message: str) -> bool:
    return escape(message) in response.content.decode()
