"""Credential counts by status, kept by triggers (credentials/status_counts.py).

PostgreSQL: the triggers are made, then the counts taken from the register with its writers
held off (SHARE lock), in this migration's transaction: no change is missed or counted twice.
SQLite: the counts are taken here; its triggers are installed after migrate.
"""

from django.db import migrations, models

from testamur.credentials.status_counts import POSTGRES_BACKWARD, POSTGRES_FORWARD


def triggers_create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD, params=None)


def triggers_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_BACKWARD, params=None)


def counts_fill(apps, schema_editor):
    Credential = apps.get_model("credentials", "Credential")
    CredentialStatusCount = apps.get_model("credentials", "CredentialStatusCount")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("LOCK TABLE credentials_credential IN SHARE MODE", params=None)
    counted = Credential.objects.values_list("status").annotate(n=models.Count("id")).order_by()
    CredentialStatusCount.objects.bulk_create(
        CredentialStatusCount(status=status, n=n) for status, n in counted
    )


class Migration(migrations.Migration):
    dependencies = [
        ("credentials", "0015_credential_offer"),
    ]

    operations = [
        migrations.CreateModel(
            name="CredentialStatusCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("status", models.CharField(max_length=20)),
                ("n", models.BigIntegerField()),
            ],
            options={
                "indexes": [models.Index(fields=["status"], name="credential_count_status")],
            },
        ),
        migrations.RunPython(triggers_create, triggers_drop),
        migrations.RunPython(counts_fill, migrations.RunPython.noop),
    ]
