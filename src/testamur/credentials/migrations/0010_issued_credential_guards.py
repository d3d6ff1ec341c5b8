from importlib import import_module

from django.db import migrations

from testamur.core.db_guards import postgres_only, truncate_refused

# Rules 1 and 9: an issued credential is never deleted and what it says never changes; its only
# status change is to Cancelled, with a reason, who and when; a cancellation is final. The
# service layer and Credential.save() refuse first (credentials/models.py keeps the same rules
# in credential_change_refused); this trigger holds against raw SQL. It replaces 0002's.
PROTECT = """
CREATE OR REPLACE FUNCTION testamur_credential_protect() RETURNS trigger AS $$
DECLARE
  -- credentials/models.py ISSUED_FACTS (a test checks the two lists agree).
  issued_facts CONSTANT text[] := ARRAY[
    'credential_type', 'template_id', 'template_version_id', 'learner_id', 'course_id',
    'course_enrolment_id', 'qualification_enrolment_id', 'number', 'verification_code',
    'credential_date', 'issued_on', 'issued_at', 'issued_by_id', 'issuing_officer_id',
    'final_qualification', 'document', 'document_sha256', 'replaces_id'];
  old_row jsonb;
  new_row jsonb;
  field text;
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.status <> 'requested' OR OLD.number IS NOT NULL THEN
      RAISE EXCEPTION 'Credential % is %, and only a Requested credential may be deleted',
        coalesce(OLD.number, OLD.id::text), OLD.status
        USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN OLD;
  END IF;
  -- Set once, in any state: the number and QR code printed, the stored document.
  IF OLD.number IS NOT NULL AND NEW.number IS DISTINCT FROM OLD.number THEN
    RAISE EXCEPTION 'Credential number % cannot be changed', OLD.number
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF OLD.verification_code IS NOT NULL
      AND NEW.verification_code IS DISTINCT FROM OLD.verification_code THEN
    RAISE EXCEPTION 'The verification code of credential % cannot be changed',
      coalesce(OLD.number, OLD.id::text) USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF OLD.document <> '' AND NEW.document IS DISTINCT FROM OLD.document THEN
    RAISE EXCEPTION 'The stored document of credential % cannot be changed', OLD.number
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF OLD.document_sha256 <> '' AND NEW.document_sha256 IS DISTINCT FROM OLD.document_sha256 THEN
    RAISE EXCEPTION 'The document hash of credential % cannot be changed', OLD.number
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF OLD.status NOT IN ('issued', 'cancelled') THEN
    RETURN NEW;
  END IF;
  IF OLD.status = 'cancelled' AND NEW.status IS DISTINCT FROM 'cancelled' THEN
    RAISE EXCEPTION 'Credential % is cancelled, and a cancellation is final',
      coalesce(OLD.number, OLD.id::text) USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF NEW.status NOT IN ('issued', 'cancelled') THEN
    RAISE EXCEPTION 'Issued credential % can only be cancelled, not made %', OLD.number,
      NEW.status USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF OLD.status = 'issued' AND NEW.status = 'cancelled' AND (
      btrim(NEW.status_reason) = '' OR NEW.cancelled_at IS NULL OR NEW.cancelled_by_id IS NULL)
  THEN
    RAISE EXCEPTION 'Cancelling issued credential % needs a reason, who cancelled it and when',
      OLD.number USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  old_row := to_jsonb(OLD);
  new_row := to_jsonb(NEW);
  FOREACH field IN ARRAY issued_facts LOOP
    IF new_row -> field IS DISTINCT FROM old_row -> field THEN
      RAISE EXCEPTION 'The % of % credential % cannot be changed', field, OLD.status,
        coalesce(OLD.number, OLD.id::text) USING ERRCODE = 'integrity_constraint_violation';
    END IF;
  END LOOP;
  IF NEW.status = OLD.status AND (NEW.status_reason, NEW.cancelled_at, NEW.cancelled_by_id)
      IS DISTINCT FROM (OLD.status_reason, OLD.cancelled_at, OLD.cancelled_by_id) THEN
    RAISE EXCEPTION 'The reason, time and actor of % credential % change only with its status',
      OLD.status, coalesce(OLD.number, OLD.id::text)
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


# Undoing puts 0002's function (and its trigger) back.
_previous = import_module("testamur.credentials.migrations.0002_credential_protection")
RESTORE = _previous.PG_BACKWARD + _previous.PG_FORWARD


class Migration(migrations.Migration):
    dependencies = [("credentials", "0009_run_item_skip_reasons"), ("core", "0004_database_guards")]
    operations = [
        postgres_only(PROTECT, RESTORE),
        postgres_only(*truncate_refused("credentials_credential")),
    ]
