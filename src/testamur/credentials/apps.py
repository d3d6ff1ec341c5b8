from django.apps import AppConfig
from django.db.models.signals import post_migrate

from testamur.core.db_guards import sqlite_guard_add, sqlite_row_frozen_once_set

# SQLite's copy of credentials/migrations/0011: a completed issuance record never changes.
ISSUANCE_RECORD_GUARD = sqlite_row_frozen_once_set(
    "credentials_credentialissuance", once_set="document_sha256"
)


class CredentialsConfig(AppConfig):
    name = "testamur.credentials"
    label = "credentials"
    verbose_name = "Credentials"

    def ready(self):
        from testamur.core.integrity import register_check_add
        from testamur.credentials import checks  # noqa: F401 - registers the system checks
        from testamur.credentials.builtin_templates import builtin_templates_sync
        from testamur.credentials.guards import credential_sqlite_guards
        from testamur.credentials.integrity import credential_register_check
        from testamur.credentials.kept_flags import kept_flags_sqlite_triggers
        from testamur.credentials.selectors import enrolment_credential_summary
        from testamur.credentials.status_counts import status_count_sqlite_triggers
        from testamur.training.hooks import enrolment_credential_summary_register

        sqlite_guard_add(credential_sqlite_guards)
        sqlite_guard_add(ISSUANCE_RECORD_GUARD)
        sqlite_guard_add(status_count_sqlite_triggers)
        sqlite_guard_add(kept_flags_sqlite_triggers)
        register_check_add(credential_register_check)
        enrolment_credential_summary_register(enrolment_credential_summary)
        post_migrate.connect(builtin_templates_sync, sender=self, dispatch_uid="builtin_templates")
