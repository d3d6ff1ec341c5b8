"""Learner counts by active and USI status, kept by triggers (learners/counts.py).

PostgreSQL: the triggers are made, then the counts taken from the learners with their writers
held off (SHARE lock), in this migration's transaction: no change is missed or counted twice.
SQLite: the counts are taken here; its triggers are installed after migrate.
"""

from django.db import migrations, models

from testamur.core.db_guards import postgres_only
from testamur.learners.counts import POSTGRES_BACKWARD, POSTGRES_FORWARD


def counts_fill(apps, schema_editor):
    Learner = apps.get_model("learners", "Learner")
    LearnerCount = apps.get_model("learners", "LearnerCount")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("LOCK TABLE learners_learner IN SHARE MODE", params=None)
    counted = (
        Learner.objects.values_list("is_active", "usi_status")
        .annotate(n=models.Count("id"))
        .order_by()
    )
    LearnerCount.objects.bulk_create(
        LearnerCount(is_active=is_active, usi_status=status, n=n)
        for is_active, status, n in counted
    )


class Migration(migrations.Migration):
    dependencies = [
        ("learners", "0010_learner_email_consent"),
    ]

    operations = [
        migrations.CreateModel(
            name="LearnerCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("is_active", models.BooleanField()),
                ("usi_status", models.CharField(max_length=20)),
                ("n", models.BigIntegerField()),
            ],
            options={
                "indexes": [
                    models.Index(fields=["is_active", "usi_status"], name="learner_count_key")
                ],
            },
        ),
        postgres_only(POSTGRES_FORWARD, POSTGRES_BACKWARD),
        migrations.RunPython(counts_fill, migrations.RunPython.noop),
    ]
