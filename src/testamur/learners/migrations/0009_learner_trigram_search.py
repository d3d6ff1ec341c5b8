"""Trigram indexes for searching learners by part of a name or learner ID (PostgreSQL).

Names are searched in the folded `search_name` (`contains`: `search_name::text LIKE '%…%'`);
learner IDs with `iexact`/`icontains` (`UPPER(client_id::text) …`). GIN trigram indexes on
exactly those expressions answer both without reading every row. SQLite has no pg_trgm and
keeps scanning, which is fast enough at its sizes.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

# index name suffix → the indexed expression, as Django's lookups write it
EXPRESSIONS = {
    "search_name": "(search_name::text)",
    "client_id": "UPPER(client_id::text)",
}


def _sql(apps, schema_editor, *, create: bool) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for column, expression in EXPRESSIONS.items():
        name = f"learner_{column}_trgm"
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON learners_learner "
            f"USING gin ({expression} gin_trgm_ops)"
            if create
            else f"DROP INDEX IF EXISTS {name}"
        )


class Migration(migrations.Migration):
    dependencies = [("learners", "0008_learner_set_active_permission")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(
            lambda apps, editor: _sql(apps, editor, create=True),
            lambda apps, editor: _sql(apps, editor, create=False),
        ),
    ]
