from django.db import migrations, models


def split_addresses(apps, schema_editor):
    from testamur.learners.addresses import address_parts

    Learner = apps.get_model("learners", "Learner")
    changed = []
    for learner in Learner.objects.exclude(address_line="").only("pk", "address_line"):
        parts = address_parts(learner.address_line)
        learner.address_building = parts["building"][:50]
        learner.address_unit = parts["unit"][:30]
        learner.address_street_number = parts["street_number"][:15]
        learner.address_street_name = parts["street_name"][:70]
        changed.append(learner)
    Learner.objects.bulk_update(
        changed,
        ["address_building", "address_unit", "address_street_number", "address_street_name"],
        batch_size=500,
    )


def join_addresses(apps, schema_editor):
    from testamur.learners.addresses import address_line

    Learner = apps.get_model("learners", "Learner")
    changed = []
    for learner in Learner.objects.all():
        learner.address_line = address_line(
            learner.address_building,
            learner.address_unit,
            learner.address_street_number,
            learner.address_street_name,
        )[:100]
        changed.append(learner)
    Learner.objects.bulk_update(changed, ["address_line"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("learners", "0005_load_code_lists")]

    operations = [
        migrations.AddField(
            model_name="learner",
            name="address_building",
            field=models.CharField(
                blank=True, max_length=50, verbose_name="building or property name"
            ),
        ),
        migrations.AddField(
            model_name="learner",
            name="address_unit",
            field=models.CharField(blank=True, max_length=30, verbose_name="flat or unit"),
        ),
        migrations.AddField(
            model_name="learner",
            name="address_street_number",
            field=models.CharField(blank=True, max_length=15, verbose_name="street number"),
        ),
        migrations.AddField(
            model_name="learner",
            name="address_street_name",
            field=models.CharField(blank=True, max_length=70, verbose_name="street name"),
        ),
        migrations.AddField(
            model_name="learner",
            name="postal_delivery_box",
            field=models.CharField(
                blank=True,
                help_text="e.g. PO Box 123",
                max_length=22,
                verbose_name="postal delivery box",
            ),
        ),
        migrations.RunPython(split_addresses, join_addresses),
        migrations.RemoveField(model_name="learner", name="address_line"),
    ]
