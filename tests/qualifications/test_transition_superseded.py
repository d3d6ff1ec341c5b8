"""Moving an enrolment from a superseded qualification to the one that replaces it: the
transition is recorded and the mapped equivalent units count in the new audit."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from testamur.core.models import Event
from testamur.qualifications.models import QualificationStatus
from testamur.qualifications.services import (
    qualification_enrolment_transition,
    unit_equivalence_save,
)
from testamur.qualifications.services.enrolments import (
    NOT_SUPERSEDED,
    TRANSITION_DATE_FUTURE,
    TRANSITION_TOO_LATE,
)
from tests.factories import (
    course_make,
    learner_make,
    packaging_rule_make,
    qualification_enrolment_make,
    system_actor,
    units_make,
)
from tests.qualifications.helpers import BSB_ELECTIVES, achieve, business

pytestmark = pytest.mark.django_db

OLD_CORE = ("BSBWHS401", "BSBXCM401", "BSBTWK401", "BSBCRT411", "BSBSUS411")


@pytest.fixture
def superseded():
    """BSB40215 (old), superseded by BSB40120 with BSBWHS401 mapped to BSBWHS411."""
    new = business()
    old = course_make("BSB40215", title="Certificate IV in Business (2015)")
    packaging_rule_make(old, total=12, core=OLD_CORE, groups=[("E", "Electives", 0, BSB_ELECTIVES)])
    old.superseded_by = new
    old.save()
    units = units_make("BSBWHS401", "BSBWHS411")
    unit_equivalence_save(
        actor=system_actor(),
        rule=new.packaging_rule,
        superseded_qualification=old,
        superseded_unit=units[0],
        unit=units[1],
    )
    learner = learner_make(given_name="Ravi", family_name="Prasad")
    achieve(learner, OLD_CORE + BSB_ELECTIVES[:7])
    return qualification_enrolment_make(learner, old), new


def test_moving_to_the_new_qualification_records_it_and_counts_equivalents(
    rto_user_client, superseded
):
    enrolment, new = superseded
    assert enrolment.status == QualificationStatus.READY  # complete under the old rules
    detail = reverse("qualifications:enrolment_detail", args=[enrolment.pk])
    assert "Move to BSB40120" in rto_user_client.get(detail).content.decode()

    on = timezone.localdate() - timedelta(days=1)
    response = rto_user_client.post(
        reverse("qualifications:enrolment_transition", args=[enrolment.pk]),
        {"transitioned_on": on.isoformat()},
        follow=True,
    )
    page = response.content.decode()
    assert "Ravi Prasad moved from BSB40215 to BSB40120." in page
    assert (
        f"Transitioned from</dt><dd>BSB40215 Certificate IV in Business (2015) on {on:%d/%m/%Y}"
        in page
    )
    assert "<code>BSBWHS401</code> counts as <code>BSBWHS411</code>" in page
    enrolment.refresh_from_db()
    assert enrolment.qualification == new
    assert enrolment.superseded_qualification.code == "BSB40215"
    assert enrolment.transitioned_on == on
    assert enrolment.status == QualificationStatus.READY
    assert Event.objects.filter(action="transitioned", data__to="BSB40120").exists()


def test_a_future_date_or_a_qualification_not_superseded_is_refused(superseded):
    enrolment, new = superseded
    with pytest.raises(ValidationError) as refused:
        qualification_enrolment_transition(
            actor=system_actor(),
            enrolment=enrolment,
            transitioned_on=timezone.localdate() + timedelta(days=1),
        )
    assert refused.value.messages == [TRANSITION_DATE_FUTURE]
    current = qualification_enrolment_make(learner_make(), new)
    with pytest.raises(ValidationError) as refused:
        qualification_enrolment_transition(
            actor=system_actor(), enrolment=current, transitioned_on=date(2026, 1, 1)
        )
    assert refused.value.messages == [NOT_SUPERSEDED.format(qualification="BSB40120")]


def test_an_enrolment_with_credentials_on_their_way_stays_where_it_is(superseded):
    enrolment, _ = superseded
    type(enrolment).objects.filter(pk=enrolment.pk).update(
        status=QualificationStatus.AWAITING_ISSUE
    )
    with pytest.raises(ValidationError) as refused:
        qualification_enrolment_transition(
            actor=system_actor(), enrolment=enrolment, transitioned_on=date(2026, 1, 1)
        )
    assert refused.value.messages == [TRANSITION_TOO_LATE.format(status="Awaiting Issue")]
    enrolment.refresh_from_db()
    assert enrolment.qualification.code == "BSB40215"
