"""Training's `CourseEnrolment.credential_issued`, kept by triggers (kept_flags.py).

PostgreSQL: the triggers are made, then the flags set from the register with its writers held
off (SHARE lock), in this migration's transaction: no issue or cancel falls between the two.
SQLite: the flags are set here; its triggers are installed after migrate.
"""

from django.db import migrations
from django.db.models import Exists, OuterRef

from testamur.core.db_guards import postgres_only
from testamur.credentials.kept_flags import ENROLMENT_ISSUED


def flags_fill(apps, schema_editor):
    Credential = apps.get_model("credentials", "Credential")
    CourseEnrolment = apps.get_model("training", "CourseEnrolment")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("LOCK TABLE credentials_credential IN SHARE MODE", params=None)
    issued = Credential.objects.filter(course_enrolment=OuterRef("pk"), status="issued")
    CourseEnrolment.objects.filter(Exists(issued)).update(credential_issued=True)


class Migration(migrations.Migration):
    dependencies = [
        ("credentials", "0018_issuance_learner_email_identifier"),
        ("training", "0006_enrolment_credential_issued"),
    ]

    operations = [
        postgres_only(ENROLMENT_ISSUED.postgres_forward(), ENROLMENT_ISSUED.postgres_backward()),
        migrations.RunPython(flags_fill, migrations.RunPython.noop),
    ]
