"""A trigram index for searching the register by part of a credential number (PostgreSQL),
on the expression Django's `icontains` compares: UPPER(number::text)."""

from django.db import migrations


def _sql(apps, schema_editor, *, create: bool) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS credential_number_trgm ON credentials_credential "
        "USING gin (UPPER(number::text) gin_trgm_ops)"
        if create
        else "DROP INDEX IF EXISTS credential_number_trgm"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("credentials", "0013_run_chunks_and_worker_heartbeats"),
        ("learners", "0009_learner_trigram_search"),  # creates the pg_trgm extension
    ]

    operations = [
        migrations.RunPython(
            lambda apps, editor: _sql(apps, editor, create=True),
            lambda apps, editor: _sql(apps, editor, create=False),
        ),
    ]
