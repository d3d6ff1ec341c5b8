"""Training's `CourseEnrolment.credential_issued`, kept by triggers (kept_flags.py).

PostgreSQL: the triggers are made, then the flags set from the register with its writers held
off (SHARE lock), in this migration's transaction: no issue or cancel falls between the two.
SQLite: the flags are set here; its triggers are installed after migrate.
"""

from django.db import migrations

from testamur.credentials.kept_flags import ENROLMENT_ISSUED


class Migration(migrations.Migration):
    dependencies = [
        ("credentials", "0018_issuance_learner_email_identifier"),
        ("training", "0006_enrolment_credential_issued"),
    ]

    operations = ENROLMENT_ISSUED.migration_operations()
