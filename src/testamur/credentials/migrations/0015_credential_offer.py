"""The credential keeps the course offer it was requested from (for the report by offer).

Old credentials get their course enrolment's offer in batches of FILL_BATCH ids, each batch its
own transaction (the migration is not atomic), so a million rows never sit in one transaction
and an interrupted migration picks up where it stopped (only empty rows are filled).
"""

import django.db.models.deletion
from django.db import transaction
from django.db import migrations, models

FILL_BATCH = 20_000


def fill_offer(apps, schema_editor):
    Credential = apps.get_model("credentials", "Credential")
    CourseEnrolment = apps.get_model("training", "CourseEnrolment")
    offer = models.Subquery(
        CourseEnrolment.objects.filter(pk=models.OuterRef("course_enrolment")).values("offer")[:1]
    )
    waiting = Credential.objects.filter(course_enrolment__isnull=False, offer__isnull=True)
    bounds = waiting.aggregate(low=models.Min("id"), high=models.Max("id"))
    if bounds["low"] is None:
        return
    for start in range(bounds["low"], bounds["high"] + 1, FILL_BATCH):
        with transaction.atomic(using=schema_editor.connection.alias):
            waiting.filter(id__gte=start, id__lt=start + FILL_BATCH).update(offer=offer)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("credentials", "0014_credential_number_trigram"),
        ("training", "0005_enrolment_completion_date_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="credential",
            name="offer",
            field=models.ForeignKey(
                blank=True,
                null=True,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="credentials",
                to="training.courseoffer",
            ),
        ),
        migrations.RunPython(fill_offer, migrations.RunPython.noop, elidable=False),
        # The date indexes become the first column of the report's (date, offer, id) indexes.
        migrations.RemoveIndex(model_name="credential", name="credentials_credent_990be1_idx"),
        migrations.RemoveIndex(model_name="credential", name="credential_issued_on"),
        migrations.AddIndex(
            model_name="credential",
            index=models.Index(fields=["issued_on", "offer", "id"], name="credential_issued_offer"),
        ),
        migrations.AddIndex(
            model_name="credential",
            index=models.Index(
                fields=["credential_date", "offer", "id"], name="credential_date_offer"
            ),
        ),
        migrations.AddIndex(
            model_name="credential",
            index=models.Index(fields=["offer", "id"], name="credential_offer_order"),
        ),
    ]
