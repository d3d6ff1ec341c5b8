from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "testamur.verification"
    label = "verification"
    verbose_name = "Verification and digital credentials"

    def ready(self):
        from testamur.credentials.lifecycle import follower_register
        from testamur.credentials.register_checks import register_check_add
        from testamur.credentials.twins import twin_maker_register
        from testamur.verification import checks  # noqa: F401 - registers the system checks
        from testamur.verification.followers import (
            digital_credentials_follow,
            public_pages_follow,
            revocation_follow,
        )
        from testamur.verification.pdf_twin import twins_for_records, twins_store
        from testamur.verification.register_checks import digital_credentials_check

        twin_maker_register(twins_for_records)
        follower_register(twins_store)
        follower_register(revocation_follow)
        follower_register(digital_credentials_follow, after_commit=True)
        follower_register(public_pages_follow, after_commit=True)
        register_check_add(digital_credentials_check)
