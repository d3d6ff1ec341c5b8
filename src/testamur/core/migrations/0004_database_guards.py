from django.db import migrations

from testamur.core.db_guards import postgres_only, truncate_refused

# Generic trigger functions any table can use (see core/db_guards.py), and the event log's own
# guards beyond 0002's: the log and its chain head are never truncated, and the head only moves
# forward, so nobody empties the log and starts a fresh chain behind the application's back.
FUNCTIONS = """
CREATE OR REPLACE FUNCTION testamur_refuse_truncate() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'TRUNCATE of % is not allowed: its rows are part of the register', TG_TABLE_NAME
    USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

-- Once the column named by the trigger's argument holds a value, the row is frozen.
CREATE OR REPLACE FUNCTION testamur_row_frozen_once_set() RETURNS trigger AS $$
DECLARE
  old_row jsonb := to_jsonb(OLD);
BEGIN
  IF coalesce(old_row ->> TG_ARGV[0], '') = '' THEN
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
  END IF;
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'Row % of % is frozen (its % is set) and cannot be deleted',
      old_row ->> 'id', TG_TABLE_NAME, TG_ARGV[0]
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF to_jsonb(NEW) IS DISTINCT FROM old_row THEN
    RAISE EXCEPTION 'Row % of % is frozen (its % is set) and cannot be changed',
      old_row ->> 'id', TG_TABLE_NAME, TG_ARGV[0]
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION testamur_event_chain_head_forward() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'The event chain head cannot be deleted'
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF NEW.id IS DISTINCT FROM OLD.id OR NEW.count <= OLD.count THEN
    RAISE EXCEPTION 'The event chain head only moves forward (% events, now %)', OLD.count,
      NEW.count USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER core_eventchainhead_forward BEFORE UPDATE OR DELETE ON core_eventchainhead
  FOR EACH ROW EXECUTE FUNCTION testamur_event_chain_head_forward();
"""
FUNCTIONS_BACKWARD = """
DROP TRIGGER IF EXISTS core_eventchainhead_forward ON core_eventchainhead;
DROP FUNCTION IF EXISTS testamur_event_chain_head_forward();
DROP FUNCTION IF EXISTS testamur_row_frozen_once_set();
DROP FUNCTION IF EXISTS testamur_refuse_truncate();
"""


class Migration(migrations.Migration):
    dependencies = [("core", "0003_number_sequence")]
    operations = [
        postgres_only(FUNCTIONS, FUNCTIONS_BACKWARD),
        postgres_only(*truncate_refused("core_event")),
        postgres_only(*truncate_refused("core_eventchainhead")),
    ]
