from django.db import migrations


def load_code_lists(apps, schema_editor):
    from testamur.learners.code_lists import code_lists_sync

    code_lists_sync(apps=apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("learners", "0004_avetmiss_client_details")]
    operations = [migrations.RunPython(load_code_lists, migrations.RunPython.noop)]
