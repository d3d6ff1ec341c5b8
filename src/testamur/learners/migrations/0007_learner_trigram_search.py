"""Trigram indexes for searching learners by part of a name or learner ID (PostgreSQL).

Django's `icontains` on PostgreSQL is `UPPER(col::text) LIKE UPPER('%…%')`: GIN trigram
indexes on exactly those expressions answer it without reading every row. SQLite has no
pg_trgm and keeps scanning, which is fast enough at its sizes.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

COLUMNS = ["given_name", "family_name", "preferred_name", "client_id"]


def _sql(apps, schema_editor, *, create: bool) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        name = f"learner_{column}_trgm"
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON learners_learner "
            f"USING gin (UPPER({column}::text) gin_trgm_ops)"
            if create
            else f"DROP INDEX IF EXISTS {name}"
        )


class Migration(migrations.Migration):
    dependencies = [("learners", "0006_learner_address_parts")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(
            lambda apps, editor: _sql(apps, editor, create=True),
            lambda apps, editor: _sql(apps, editor, create=False),
        ),
    ]
