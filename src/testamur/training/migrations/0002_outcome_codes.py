from django.db import migrations


def load_codes(apps, schema_editor):
    from testamur.training.outcome_codes import outcome_codes_sync

    outcome_codes_sync(apps.get_model("training", "OutcomeCode"), schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("training", "0001_initial")]
    operations = [migrations.RunPython(load_codes, migrations.RunPython.noop)]
