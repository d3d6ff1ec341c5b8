from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "testamur.verification"
    label = "verification"
    verbose_name = "Verification and digital credentials"

    def ready(self):
        from testamur.verification import checks  # noqa: F401 - registers the system checks
