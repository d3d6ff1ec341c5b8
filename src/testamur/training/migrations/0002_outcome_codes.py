from django.db import migrations


def load_codes(apps, schema_editor):
    from testamur.training.outcome_codes import NATIONAL, WA

    OutcomeCode = apps.get_model("training", "OutcomeCode")
    for jurisdiction, rows in (("national", NATIONAL), ("wa", WA)):
        for code, description, achieved, final, current in rows:
            OutcomeCode.objects.update_or_create(
                jurisdiction=jurisdiction,
                code=code,
                defaults={
                    "description": description,
                    "is_achieved": achieved,
                    "is_final": final,
                    "is_current": current,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("training", "0001_initial")]
    operations = [migrations.RunPython(load_codes, migrations.RunPython.noop)]
