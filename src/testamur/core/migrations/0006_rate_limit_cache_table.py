from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

# settings.CACHES' database table (the default when REDIS_URL is not set). Made whatever the
# cache is now, so switching away from Redis later needs no extra step.
TABLE = "testamur_cache"


def create(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("core", "0005_event_log_verification")]

    operations = [migrations.RunPython(create, drop)]
