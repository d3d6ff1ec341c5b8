"""Every write to packaging rules and qualification enrolments (one function per use case)."""

from testamur.qualifications.services.enrolments import (
    AuditTally,
    qualification_enrolment_audit,
    qualification_enrolment_create,
    qualification_enrolment_switch_major,
    qualification_enrolment_transition,
    qualification_enrolments_audit,
    qualification_enrolments_audit_learner,
    qualification_enrolments_audit_qualification,
)
from testamur.qualifications.services.rules import (
    elective_group_delete,
    elective_group_save,
    major_delete,
    major_save,
    packaging_rule_load,
    packaging_rule_save,
    unit_equivalence_delete,
    unit_equivalence_save,
)

__all__ = [
    "AuditTally",
    "elective_group_delete",
    "elective_group_save",
    "major_delete",
    "major_save",
    "packaging_rule_load",
    "packaging_rule_save",
    "qualification_enrolment_audit",
    "qualification_enrolment_create",
    "qualification_enrolment_switch_major",
    "qualification_enrolment_transition",
    "qualification_enrolments_audit",
    "qualification_enrolments_audit_learner",
    "qualification_enrolments_audit_qualification",
    "unit_equivalence_delete",
    "unit_equivalence_save",
]
