from django.db import migrations

TNC_STATUSES = ["withdrawn", "cancelled_no_penalty", "cancelled_penalty", "partial_attendance"]


def derive(apps, schema_editor):
    """Existing unit enrolments get the outcome their course enrolment's status implies."""
    unit_enrolments = apps.get_model("training", "UnitEnrolment").objects.using(
        schema_editor.connection.alias
    )
    unit_enrolments.filter(course_enrolment__status__in=TNC_STATUSES).update(
        training_organisation_outcome="TNC"
    )
    unit_enrolments.filter(course_enrolment__status="deferred").update(
        training_organisation_outcome="D"
    )


class Migration(migrations.Migration):
    dependencies = [("training", "0003_finalisation")]
    operations = [migrations.RunPython(derive, migrations.RunPython.noop)]
