from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_outcome_codes(using="default", **kwargs):
    from testamur.training.outcome_codes import outcome_codes_sync

    outcome_codes_sync(using=using)


class TrainingConfig(AppConfig):
    name = "testamur.training"
    label = "training"
    verbose_name = "Training"

    def ready(self):
        from testamur.core.db_guards import sqlite_guard_add
        from testamur.training.counts import enrolment_counts_sqlite_triggers

        sqlite_guard_add(enrolment_counts_sqlite_triggers)
        from testamur.training.hooks import organisation_facts_register

        organisation_facts_register()
        post_migrate.connect(_sync_outcome_codes, sender=self, dispatch_uid="outcome_codes")
