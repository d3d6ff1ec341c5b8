from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CredentialsConfig(AppConfig):
    name = "testamur.credentials"
    label = "credentials"
    verbose_name = "Credentials"

    def ready(self):
        from testamur.credentials import checks  # noqa: F401 - registers the system checks
        from testamur.credentials.builtin_templates import builtin_templates_sync

        post_migrate.connect(builtin_templates_sync, sender=self, dispatch_uid="builtin_templates")
