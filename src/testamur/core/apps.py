from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "testamur.core"
    label = "core"
    verbose_name = "Core"

    def ready(self):
        from testamur.core.db_guards import (
            event_log_sqlite_guards,
            sqlite_guard_add,
            sqlite_guards_after_migrate,
        )

        sqlite_guard_add(event_log_sqlite_guards)
        post_migrate.connect(sqlite_guards_after_migrate, sender=self, dispatch_uid="sqlite_guards")
