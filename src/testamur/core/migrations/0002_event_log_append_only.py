from django.db import migrations

# On PostgreSQL (production) the database itself refuses to rewrite history (DESIGN.md rule 7).
FORWARD = """
CREATE OR REPLACE FUNCTION testamur_event_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'The event log is append-only: % of an event is not allowed', TG_OP
    USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_event_append_only BEFORE UPDATE OR DELETE ON core_event
  FOR EACH ROW EXECUTE FUNCTION testamur_event_append_only();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS core_event_append_only ON core_event;
DROP FUNCTION IF EXISTS testamur_event_append_only();
"""




def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
