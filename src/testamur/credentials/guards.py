"""SQLite's copy of the credential register's PostgreSQL triggers (migration 0007).

Same rules as credential_change_refused in models.py, for writes that skip Credential.save():
`QuerySet.update()`, core.db.rows_update and raw SQL. Registered in apps.py; installed after
every migrate (core/db_guards.py says why). The issuance record's guards go here too:
`sqlite_guard_add(sqlite_row_frozen_once_set("<its table>", once_set="document_sha256"))` in
apps.py, with a migration using core.db_guards.row_frozen_once_set/truncate_refused.
"""

from testamur.core.db_guards import SqliteTrigger, sqlite_refuse
from testamur.credentials.models import ISSUED_FACTS, SET_ONCE, STATUS_RECORD

TABLE = "credentials_credential"
IS_FROZEN = "OLD.status IN ('issued', 'cancelled')"

DELETE_REFUSED = "Only a Requested credential may be deleted."
CANCELLED_IS_FINAL = "A cancelled credential stays cancelled: a cancellation is final."
ISSUED_ONLY_CANCELLED = "An issued credential can only be cancelled."
CANCEL_NEEDS_RECORD = "Cancelling an issued credential needs a reason, who cancelled it and when."
STATUS_RECORD_CHANGED = (
    "The reason, time and actor of an issued or cancelled credential change only with its status."
)
SET_ONCE_CHANGED = "The {column} of a credential is set once and cannot be changed."
ISSUED_FACT_CHANGED = "What an issued or cancelled credential says cannot be changed ({columns})."


def _changed(columns) -> str:
    return " OR ".join(f"NEW.{column} IS NOT OLD.{column}" for column in columns)


def credential_sqlite_guards(connection) -> list[SqliteTrigger]:
    triggers = [
        sqlite_refuse(
            "credentials_credential_delete",
            TABLE,
            when="OLD.status <> 'requested' OR OLD.number IS NOT NULL",
            message=DELETE_REFUSED,
            columns=["status", "number"],
            op="DELETE",
        ),
        sqlite_refuse(
            "credentials_credential_cancelled_final",
            TABLE,
            when="OLD.status = 'cancelled' AND NEW.status IS NOT 'cancelled'",
            message=CANCELLED_IS_FINAL,
            columns=["status"],
        ),
        sqlite_refuse(
            "credentials_credential_issued_only_cancelled",
            TABLE,
            when="OLD.status = 'issued' AND NEW.status NOT IN ('issued', 'cancelled')",
            message=ISSUED_ONLY_CANCELLED,
            columns=["status"],
        ),
        sqlite_refuse(
            "credentials_credential_cancel_record",
            TABLE,
            when=(
                "OLD.status = 'issued' AND NEW.status = 'cancelled' AND (trim(NEW.status_reason) "
                "= '' OR NEW.cancelled_at IS NULL OR NEW.cancelled_by_id IS NULL)"
            ),
            message=CANCEL_NEEDS_RECORD,
            columns=["status", *STATUS_RECORD],
        ),
        sqlite_refuse(
            "credentials_credential_status_record",
            TABLE,
            when=f"{IS_FROZEN} AND NEW.status = OLD.status AND ({_changed(STATUS_RECORD)})",
            message=STATUS_RECORD_CHANGED,
            columns=["status", *STATUS_RECORD],
        ),
    ]
    for column in SET_ONCE:
        triggers.append(
            sqlite_refuse(
                f"credentials_credential_{column}_set_once",
                TABLE,
                when=f"coalesce(OLD.{column}, '') <> '' AND NEW.{column} IS NOT OLD.{column}",
                message=SET_ONCE_CHANGED.format(column=column),
                columns=[column],
            )
        )
    triggers.append(
        sqlite_refuse(
            "credentials_credential_issued_facts",
            TABLE,
            when=f"{IS_FROZEN} AND ({_changed(ISSUED_FACTS)})",
            message=ISSUED_FACT_CHANGED.format(columns=", ".join(ISSUED_FACTS)),
            columns=["status", *ISSUED_FACTS],
        )
    )
    return triggers
