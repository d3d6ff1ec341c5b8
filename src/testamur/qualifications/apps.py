from django.apps import AppConfig


class QualificationsConfig(AppConfig):
    name = "testamur.qualifications"
    label = "qualifications"
    verbose_name = "Qualifications"

    def ready(self):
        from testamur.qualifications.services.enrolments import (
            qualification_enrolments_audit_learners,
        )
        from testamur.training.hooks import outcomes_follower_register

        # A changed unit outcome audits the learner's qualifications again (same transaction).
        outcomes_follower_register(qualification_enrolments_audit_learners)
