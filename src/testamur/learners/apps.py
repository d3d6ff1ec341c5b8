from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_code_lists(using="default", **kwargs):
    from testamur.learners.code_lists import code_lists_sync

    code_lists_sync(using=using)


class LearnersConfig(AppConfig):
    name = "testamur.learners"
    label = "learners"
    verbose_name = "Learners"

    def ready(self):
        from testamur.core.db_guards import sqlite_guard_add
        from testamur.learners.counts import learner_count_sqlite_triggers

        sqlite_guard_add(learner_count_sqlite_triggers)
        post_migrate.connect(_sync_code_lists, sender=self, dispatch_uid="code_lists")
