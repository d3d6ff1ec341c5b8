from django.db import migrations

# Rule 1: an issued credential is never deleted and its identity never rewritten, whatever
# writes to the database. The service layer refuses first; on PostgreSQL (production) this
# trigger is the backstop.
PG_FORWARD = """
CREATE OR REPLACE FUNCTION testamur_credential_protect() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.status <> 'requested' OR OLD.number IS NOT NULL THEN
      RAISE EXCEPTION 'Credential % is %, and only a Requested credential may be deleted',
        OLD.id, OLD.status USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN OLD;
  END IF;
  IF OLD.number IS NOT NULL AND NEW.number IS DISTINCT FROM OLD.number THEN
    RAISE EXCEPTION 'Credential number % cannot be changed', OLD.number
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF OLD.status IN ('issued', 'cancelled') AND OLD.issued_on IS NOT NULL AND (
      NEW.learner_id IS DISTINCT FROM OLD.learner_id
      OR NEW.issued_on IS DISTINCT FROM OLD.issued_on) THEN
    RAISE EXCEPTION 'The learner and issue date of issued credential % cannot be changed',
      OLD.number USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF OLD.document <> '' AND NEW.document IS DISTINCT FROM OLD.document THEN
    RAISE EXCEPTION 'The stored document of credential % cannot be replaced', OLD.number
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF OLD.status IN ('issued', 'cancelled') AND NEW.status NOT IN ('issued', 'cancelled') THEN
    RAISE EXCEPTION 'Credential % cannot go back from % to %', OLD.number, OLD.status,
      NEW.status USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER credentials_credential_protect BEFORE UPDATE OR DELETE ON credentials_credential
  FOR EACH ROW EXECUTE FUNCTION testamur_credential_protect();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS credentials_credential_protect ON credentials_credential;
DROP FUNCTION IF EXISTS testamur_credential_protect();
"""

def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("credentials", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
