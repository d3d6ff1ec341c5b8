"""Auditing qualification enrolments on crafted results: the four outcomes, electives, credit
transfer and RPL, WA outcome codes, superseded units, and enrolments with nothing achieved."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from testamur.organisation.models import Jurisdiction, Organisation
from testamur.qualifications.audit import NO_ACHIEVED_UNITS
from testamur.qualifications.models import AuditOutcome, QualificationStatus
from testamur.qualifications.services import (
    qualification_enrolment_audit,
    qualification_enrolments_audit,
    unit_equivalence_save,
)
from testamur.qualifications.services.enrolments import WITHDRAWN_NO_ACTIONS
from testamur.training.models import CourseEnrolment, OutcomeCode, UnitEnrolment
from tests.factories import (
    course_make,
    learner_make,
    offer_make,
    qualification_enrolment_make,
    system_actor,
    units_make,
)
from tests.qualifications.helpers import (
    AGEING,
    BSB_CORE,
    BSB_ELECTIVES,
    CORE,
    DISABILITY,
    ELSEWHERE,
    OTHER,
    achieve,
    business,
    individual_support,
)

pytestmark = pytest.mark.django_db


def enrolled(qualification, codes, *, major=None, outcome="20"):
    learner = learner_make()
    if codes:
        achieve(learner, codes, outcome)
    return qualification_enrolment_make(learner, qualification, major=major)


def major_result(enrolment, name):
    return next(m for m in enrolment.audit_explanation["majors"] if m["name"] == name)


def check(requirements, label):
    return next(c for c in requirements if c["label"] == label)


def test_assigned_major_achieved_is_ready_to_be_requested():
    chc = individual_support()
    enrolment = enrolled(chc, CORE + AGEING + OTHER[:3], major="Ageing")
    assert enrolment.audit_outcome == AuditOutcome.ASSIGNED_MAJOR
    assert enrolment.status == QualificationStatus.READY
    assert enrolment.audit_summary == "Assigned Major Achieved: Ageing."
    assert major_result(enrolment, "Ageing")["achieved"]
    assert not major_result(enrolment, "Disability")["achieved"]


def test_other_majors_achieved_explains_what_the_assigned_major_misses():
    chc = individual_support()
    enrolment = enrolled(chc, CORE + AGEING + OTHER[:3], major="Disability")
    assert enrolment.audit_outcome == AuditOutcome.OTHER_MAJORS
    assert enrolment.status == QualificationStatus.NOT_YET_ACHIEVED
    assert enrolment.audit_summary == (
        "Other Majors Achieved: achieved Ageing; assigned major Disability needs "
        "CHCDIS011, CHCDIS012, CHCDIS020."
    )
    disability = major_result(enrolment, "Disability")
    assert disability["assigned"] and not disability["achieved"]
    assert disability["requirements"][0]["missing"] == sorted(DISABILITY)


def test_all_majors_achieved_is_ready_to_be_requested():
    chc = individual_support()
    enrolment = enrolled(chc, CORE + AGEING + DISABILITY, major="Disability")
    assert enrolment.audit_outcome == AuditOutcome.ALL_MAJORS
    assert enrolment.status == QualificationStatus.READY
    assert all(major["achieved"] for major in enrolment.audit_explanation["majors"])


def test_no_majors_achieved_lists_the_missing_core_unit():
    chc = individual_support()
    enrolment = enrolled(chc, CORE[1:] + AGEING + DISABILITY, major="Ageing")
    assert enrolment.audit_outcome == AuditOutcome.NO_MAJORS
    assert enrolment.status == QualificationStatus.NOT_YET_ACHIEVED
    core = check(enrolment.audit_explanation["requirements"], "Core units")
    assert core["missing"] == [CORE[0]]
    assert CORE[0] in enrolment.audit_summary


def test_an_enrolment_with_no_units_has_no_majors_achieved_and_says_so():
    enrolment = enrolled(individual_support(), [], major="Ageing")
    assert enrolment.audit_outcome == AuditOutcome.NO_MAJORS
    assert enrolment.audit_summary == f"No Majors Achieved: {NO_ACHIEVED_UNITS}."


def test_a_qualification_without_majors_is_ready_when_its_rules_are_met():
    bsb = business()
    ready = enrolled(bsb, BSB_CORE + BSB_ELECTIVES[:7])
    not_yet = enrolled(bsb, BSB_CORE + BSB_ELECTIVES[:6])
    assert ready.status == QualificationStatus.READY
    assert ready.audit_outcome == AuditOutcome.ALL_MAJORS
    assert not_yet.status == QualificationStatus.NOT_YET_ACHIEVED
    assert not_yet.audit_summary == "No Majors Achieved: 1 more elective."


def test_electives_from_elsewhere_count_only_up_to_the_limit():
    bsb = business(imported=2)
    enrolment = enrolled(bsb, BSB_CORE + BSB_ELECTIVES[:4] + ELSEWHERE)
    electives = check(enrolment.audit_explanation["requirements"], "Electives")
    assert electives["achieved"] == 6  # 4 listed + 2 of the 3 from elsewhere
    assert not electives["met"]
    assert "3 achieved from elsewhere; only 2 may count" in electives["note"]
    assert enrolment.status == QualificationStatus.NOT_YET_ACHIEVED

    enough = enrolled(bsb, BSB_CORE + BSB_ELECTIVES[:5] + ELSEWHERE[:2])
    assert enough.status == QualificationStatus.READY


def test_a_group_minimum_must_be_met_even_with_enough_electives():
    bsb = business(imported=3, at_least=5)
    enrolment = enrolled(bsb, BSB_CORE + BSB_ELECTIVES[:4] + ELSEWHERE)
    requirements = enrolment.audit_explanation["requirements"]
    assert check(requirements, "Electives")["met"]
    group = check(requirements, "Group E (Listed electives)")
    assert not group["met"] and group["still_needed"] == 1
    assert enrolment.status == QualificationStatus.NOT_YET_ACHIEVED
    assert "1 more from Group E (Listed electives)" in enrolment.audit_summary


def test_credit_transfer_and_rpl_count_as_achieved_but_continuing_does_not():
    bsb = business()
    learner = learner_make()
    achieve(learner, BSB_CORE[:3], "60")
    achieve(learner, BSB_CORE[3:] + BSB_ELECTIVES[:3], "51")
    achieve(learner, BSB_ELECTIVES[3:7], "20")
    enrolment = qualification_enrolment_make(learner, bsb)
    assert enrolment.status == QualificationStatus.READY

    other = learner_make()
    achieve(other, BSB_CORE + BSB_ELECTIVES[:6], "20")
    achieve(other, BSB_ELECTIVES[6:7], "70")
    assert qualification_enrolment_make(other, bsb).status == QualificationStatus.NOT_YET_ACHIEVED


def _wa_results(learner, outcomes: dict[str, str]):
    course = course_make(units=units_make(*outcomes), course_type="skill_set", aqf_level=None)
    enrolment = CourseEnrolment.objects.create(learner=learner, offer=offer_make(course))
    for code, unit in zip(outcomes, units_make(*outcomes), strict=True):
        UnitEnrolment.objects.create(
            course_enrolment=enrolment,
            unit=unit,
            outcome=OutcomeCode.objects.get(jurisdiction=Jurisdiction.WA, code=outcomes[code]),
        )


def test_a_wa_rto_counts_the_wa_achieved_codes():
    organisation = Organisation.load()
    organisation.jurisdiction = Jurisdiction.WA
    organisation.save()
    bsb = business()
    learner = learner_make()
    # 01 competent, 06 RPL granted, 09 credit transfer; 02 not competent does not count.
    _wa_results(
        learner, {**dict.fromkeys(BSB_CORE, "01"), **dict.fromkeys(BSB_ELECTIVES[:3], "06")}
    )
    _wa_results(learner, {**dict.fromkeys(BSB_ELECTIVES[3:6], "09"), BSB_ELECTIVES[6]: "02"})
    enrolment = qualification_enrolment_make(learner, bsb)
    assert enrolment.status == QualificationStatus.NOT_YET_ACHIEVED
    assert enrolment.audit_summary == "No Majors Achieved: 1 more elective."

    _wa_results(learner, {BSB_ELECTIVES[7]: "01"})
    qualification_enrolment_audit(actor=system_actor(), enrolment=enrolment)
    assert enrolment.status == QualificationStatus.READY


def test_national_codes_do_not_count_for_a_wa_rto():
    learner = learner_make()
    achieve(learner, BSB_CORE + BSB_ELECTIVES[:7], "20")
    organisation = Organisation.load()
    organisation.jurisdiction = Jurisdiction.WA
    organisation.save()
    enrolment = qualification_enrolment_make(learner, business())
    assert enrolment.audit_summary == f"No Majors Achieved: {NO_ACHIEVED_UNITS}."


def test_an_equivalent_unit_of_the_superseded_qualification_counts():
    bsb = business()
    old = course_make("BSB40215", title="Certificate IV in Business (old)", superseded_by=bsb)
    old_units = units_make("BSBWHS401", "BSBSUS401")
    rule = bsb.packaging_rule
    actor = system_actor()
    unit_equivalence_save(
        actor=actor,
        rule=rule,
        superseded_qualification=old,
        superseded_unit=old_units[0],
        unit=units_make("BSBWHS411")[0],
    )
    unit_equivalence_save(
        actor=actor,
        rule=rule,
        superseded_qualification=old,
        superseded_unit=old_units[1],
        unit=units_make("BSBSUS411")[0],
        is_equivalent=False,
    )
    learner = learner_make()
    without_whs = [code for code in BSB_CORE if code != "BSBWHS411"]
    achieve(learner, [*without_whs, "BSBWHS401", *BSB_ELECTIVES[:7]])
    enrolment = qualification_enrolment_make(learner, bsb)
    assert enrolment.status == QualificationStatus.READY
    assert enrolment.audit_explanation["credited"] == {"BSBWHS411": "BSBWHS401"}
    assert "BSBWHS401" in enrolment.audit_explanation["counted_units"]

    # A mapping marked not equivalent does not count.
    other = learner_make()
    without_sus = [code for code in BSB_CORE if code != "BSBSUS411"]
    achieve(other, [*without_sus, "BSBSUS401", *BSB_ELECTIVES[:7]])
    assert qualification_enrolment_make(other, bsb).status == QualificationStatus.NOT_YET_ACHIEVED


def test_bulk_audit_reports_each_outcome_and_skips_withdrawn_enrolments():
    chc = individual_support()
    ready = enrolled(chc, CORE + AGEING + OTHER[:3], major="Ageing")
    other = enrolled(chc, CORE + AGEING + OTHER[:3], major="Disability")
    nothing = enrolled(chc, [], major="Ageing")
    withdrawn = enrolled(chc, [], major="Ageing and Disability")
    type(withdrawn).objects.filter(pk=withdrawn.pk).update(status=QualificationStatus.WITHDRAWN)

    tally = qualification_enrolments_audit(
        actor=system_actor(), enrolments=[ready, other, nothing, withdrawn]
    )
    assert tally.audited == 3
    assert tally.skipped == [(withdrawn.learner.full_name, WITHDRAWN_NO_ACTIONS)]
    summary = tally.summary()
    assert "Assigned Major Achieved 1" in summary
    assert "Other Majors Achieved 1" in summary
    assert "No Majors Achieved 1" in summary


def test_the_audit_uses_units_from_every_course_enrolment():
    chc = individual_support()
    learner = learner_make()
    achieve(learner, CORE[:5])
    achieve(learner, CORE[5:])
    achieve(learner, AGEING + OTHER[:3])
    enrolment = qualification_enrolment_make(learner, chc, major="Ageing")
    assert enrolment.status == QualificationStatus.READY


def test_a_bulk_audit_costs_the_same_queries_for_5_or_30_enrolments():
    chc = individual_support()
    enrolments = [enrolled(chc, CORE + AGEING + OTHER[:3], major="Ageing") for _ in range(30)]
    type(enrolments[0]).objects.update(
        audit_outcome="", audited_at=None, status=QualificationStatus.NOT_YET_ACHIEVED
    )

    def queries(batch):
        with CaptureQueriesContext(connection) as captured:
            tally = qualification_enrolments_audit(actor=system_actor(), enrolments=batch)
        assert tally.audited == len(batch)
        return len(captured.captured_queries)

    assert queries(enrolments[:5]) == queries(enrolments[5:])
