"""Learners' `credentials_waiting`, kept by triggers (kept_flags.py).

PostgreSQL: the triggers are made, then the flags set from the register with its writers held
off (SHARE lock), in this migration's transaction. SQLite: the flags are set here; its triggers
are installed after migrate.
"""

from django.db import migrations

from testamur.credentials.kept_flags import LEARNER_WAITING


class Migration(migrations.Migration):
    dependencies = [
        ("credentials", "0019_enrolment_credential_issued"),
        ("learners", "0012_learner_credentials_waiting"),
    ]

    operations = LEARNER_WAITING.migration_operations()
