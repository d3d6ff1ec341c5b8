from django.db import migrations, models

from testamur.core.text import search_text

NAME_FIELDS = ("given_name", "middle_names", "family_name", "preferred_name")


def fill_search_names(apps, schema_editor):
    Learner = apps.get_model("learners", "Learner")
    learners = list(Learner.objects.only("pk", *NAME_FIELDS))
    for learner in learners:
        learner.search_name = search_text(*(getattr(learner, name) for name in NAME_FIELDS))
    Learner.objects.bulk_update(learners, ["search_name"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("learners", "0006_learner_address_parts"),
    ]

    operations = [
        migrations.AddField(
            model_name="learner",
            name="search_name",
            field=models.CharField(blank=True, editable=False, max_length=400),
        ),
        migrations.RunPython(fill_search_names, migrations.RunPython.noop),
    ]
