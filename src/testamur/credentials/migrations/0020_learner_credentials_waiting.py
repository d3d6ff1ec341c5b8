"""Learners' `credentials_waiting`, kept by triggers (kept_flags.py).

PostgreSQL: the triggers are made, then the flags set from the register with its writers held
off (SHARE lock), in this migration's transaction. SQLite: the flags are set here; its triggers
are installed after migrate.
"""

from django.db import migrations
from django.db.models import Exists, OuterRef

from testamur.core.db_guards import postgres_only
from testamur.credentials.kept_flags import LEARNER_WAITING


def flags_fill(apps, schema_editor):
    Credential = apps.get_model("credentials", "Credential")
    Learner = apps.get_model("learners", "Learner")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("LOCK TABLE credentials_credential IN SHARE MODE", params=None)
    waiting = Credential.objects.filter(
        learner=OuterRef("pk"), status__in=LEARNER_WAITING.statuses
    )
    Learner.objects.filter(Exists(waiting)).update(credentials_waiting=True)


class Migration(migrations.Migration):
    dependencies = [
        ("credentials", "0019_enrolment_credential_issued"),
        ("learners", "0012_learner_credentials_waiting"),
    ]

    operations = [
        postgres_only(LEARNER_WAITING.postgres_forward(), LEARNER_WAITING.postgres_backward()),
        migrations.RunPython(flags_fill, migrations.RunPython.noop),
    ]
