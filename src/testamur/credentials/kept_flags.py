"""Flags on lower-layer rows that say "one of my credentials is in these statuses", kept by the
database so that a page at a million credentials reads a flag through a small partial index
instead of looking into the register for every row (docs/decisions/0031):

- ENROLMENT_ISSUED, `training.CourseEnrolment.credential_issued`: a credential requested from
  the enrolment is Issued. The 30-day clock reads it.
- LEARNER_WAITING, `learners.Learner.credentials_waiting`: a credential of the learner is on its
  way (Requested, Generating, Generated, Failed). The dashboard's "USI not verified, credentials
  waiting" reads it.

Like the counts (core/kept_counts.py, 0028), triggers keep them: every INSERT, UPDATE and DELETE
of credentials that moves a credential into or out of the statuses, or moves such a credential
to another row, sets that row's flag again in the same transaction, whoever made the change (the
lifecycle, a bulk load, a test factory, raw SQL), so no code path can leave them wrong.
PostgreSQL: statement-level triggers over the transition tables, one UPDATE per flag and
statement, writing a row only when its flag changes. SQLite: row triggers, installed after every
migrate like the guards. A raw edit of a flag itself is found by `manage.py verify_register`
(KeptFlag.wrong) and set right by `verify_register --mend` (KeptFlag.mend).
"""

# ruff: noqa: S608 - the SQL here is built from this module's constants and model metadata only

from dataclasses import dataclass

from django.db import migrations
from django.db.models import Exists, Model, OuterRef, Q, QuerySet

from testamur.core.db_guards import SqliteTrigger, postgres_only, statement_triggers
from testamur.credentials.models import Credential, CredentialStatus
from testamur.credentials.selectors.register import IN_PROGRESS
from testamur.learners.models import Learner
from testamur.training.models import CourseEnrolment

REGISTER = Credential._meta.db_table


@dataclass(frozen=True)
class KeptFlag:
    name: str  # prefix of the trigger function and triggers
    model: type[Model]  # the flagged rows
    flag: str  # their boolean column
    link: str  # the credential's foreign key to them (a field name: `<link>_id` is its column)
    statuses: tuple[str, ...]
    # For the register check: "course enrolment 12: 'credential issued' is Yes, but …"
    subject: str
    label: str
    when_yes: str  # the truth when the flag says No
    when_no: str  # the truth when the flag says Yes
    reader: str

    @property
    def _table(self) -> str:
        return self.model._meta.db_table

    @property
    def _column(self) -> str:
        return f"{self.link}_id"

    def _in(self, row: str) -> str:
        values = ", ".join(f"'{status}'" for status in self.statuses)
        return f"{row}.status IN ({values})"

    # --- the triggers -------------------------------------------------------------------
    def _pg_set(self, touched: str) -> str:
        """Set the flag of the rows `touched` (a query of their ids) where it is wrong."""
        return f"""
        UPDATE {self._table} AS t SET {self.flag} = NOT t.{self.flag}
         WHERE t.id IN ({touched})
           AND t.{self.flag} <> EXISTS (
               SELECT 1 FROM {REGISTER} c WHERE c.{self._column} = t.id AND {self._in("c")}
           );"""

    def _postgres(self) -> tuple[str, str]:
        column, was, now = self._column, self._in("o"), self._in("n")
        # An UPDATE touches a row when one of its credentials came into or left the statuses,
        # or such a credential moved from one row to another (both are touched).
        moved = f"""
            SELECT unnest(ARRAY[o.{column}, n.{column}])
              FROM old_rows o JOIN new_rows n ON n.id = o.id
             WHERE ({was}) <> ({now})
                OR (({was} OR {now}) AND o.{column} IS DISTINCT FROM n.{column})"""
        return statement_triggers(
            self.name,
            REGISTER,
            on_insert=self._pg_set(f"SELECT {column} FROM new_rows n WHERE {self._in('n')}"),
            on_delete=self._pg_set(f"SELECT {column} FROM old_rows o WHERE {self._in('o')}"),
            on_update=self._pg_set(moved),
        )

    def postgres_forward(self) -> str:
        return self._postgres()[0]

    def postgres_backward(self) -> str:
        return self._postgres()[1]

    def _sqlite_set(self, row: str) -> str:
        return (
            f"UPDATE {self._table} SET {self.flag} = EXISTS (SELECT 1 FROM {REGISTER} c "
            f"WHERE c.{self._column} = {row}.{self._column} AND {self._in('c')}) "
            f"WHERE id = {row}.{self._column};"
        )

    def sqlite_triggers(self, connection) -> list[SqliteTrigger]:
        """SQLite's copy of the PostgreSQL triggers (registered in apps.py)."""
        with connection.cursor() as cursor:
            description = connection.introspection.get_table_description(cursor, self._table)
        if self.flag not in {column.name for column in description}:
            return []  # a database migrated to before the flag

        def trigger(op: str, definition: str) -> SqliteTrigger:
            return SqliteTrigger(
                name=f"{self.name}_{op}",
                table=REGISTER,
                columns=("status", self._column),
                definition=definition,
            )

        was, now, column = self._in("OLD"), self._in("NEW"), self._column
        return [
            trigger(
                "insert",
                f"AFTER INSERT ON {REGISTER} FOR EACH ROW WHEN {now} "
                f"BEGIN {self._sqlite_set('NEW')} END",
            ),
            trigger(
                "update",
                f"AFTER UPDATE OF status, {column} ON {REGISTER} FOR EACH ROW "
                f"WHEN ({was}) IS NOT ({now}) OR (({was} OR {now}) "
                f"AND OLD.{column} IS NOT NEW.{column}) "
                f"BEGIN {self._sqlite_set('OLD')} {self._sqlite_set('NEW')} END",
            ),
            trigger(
                "delete",
                f"AFTER DELETE ON {REGISTER} FOR EACH ROW WHEN {was} "
                f"BEGIN {self._sqlite_set('OLD')} END",
            ),
        ]

    def migration_operations(self) -> list:
        """For the migration that adds the flag: on PostgreSQL the triggers, then (both
        databases) the flags set from the register; SQLite's triggers come after migrate."""
        return [
            postgres_only(self.postgres_forward(), self.postgres_backward()),
            migrations.RunPython(self._fill, migrations.RunPython.noop),
        ]

    def _fill(self, apps, schema_editor) -> None:
        """Set the flags from the register with its writers held off (SHARE lock), in the
        migration's transaction: no change falls between the triggers and the fill."""
        credential = apps.get_model("credentials", "Credential")
        flagged = apps.get_model(self.model._meta.label)
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"LOCK TABLE {REGISTER} IN SHARE MODE", params=None)
        matching = credential.objects.filter(
            **{self.link: OuterRef("pk"), "status__in": self.statuses}
        )
        flagged.objects.filter(Exists(matching)).update(**{self.flag: True})

    # --- checking and mending -----------------------------------------------------------
    def _credential(self) -> Exists:
        return Exists(
            Credential.objects.filter(**{self.link: OuterRef("pk"), "status__in": self.statuses})
        )

    def wrong(self) -> QuerySet:
        """The rows whose flag disagrees with their credentials (a raw edit of the flag)."""
        credential = self._credential()
        return self.model.objects.filter(
            Q(~credential, **{self.flag: True}) | Q(credential, **{self.flag: False})
        )

    def mend(self) -> int:
        """Set every wrong flag from the credentials, in one statement. Returns how many."""
        return self.wrong().update(**{self.flag: self._credential()})

    def problem(self, row) -> str:
        flag = getattr(row, self.flag)
        return (
            f"{self.subject} {row.pk}: '{self.label}' is {'Yes' if flag else 'No'}, but "
            f"{self.when_no if flag else self.when_yes} — {self.reader} reads this flag "
            "(verify_register --mend sets it from the credentials)"
        )


ENROLMENT_ISSUED = KeptFlag(
    name="credentials_enrolment_issued",
    model=CourseEnrolment,
    flag="credential_issued",
    link="course_enrolment",
    statuses=(CredentialStatus.ISSUED.value,),
    subject="course enrolment",
    label="credential issued",
    when_yes="one is issued",
    when_no="none of its credentials is issued",
    reader="the 30-day clock",
)
LEARNER_WAITING = KeptFlag(
    name="credentials_learner_waiting",
    model=Learner,
    flag="credentials_waiting",
    link="learner",
    statuses=tuple(status.value for status in IN_PROGRESS),
    subject="learner",
    label="credentials waiting",
    when_yes="one of their credentials is on its way",
    when_no="none of their credentials is on its way",
    reader="the dashboard's list of unverified USIs with credentials waiting",
)
KEPT_FLAGS = (ENROLMENT_ISSUED, LEARNER_WAITING)


def kept_flags_sqlite_triggers(connection) -> list[SqliteTrigger]:
    return [trigger for flag in KEPT_FLAGS for trigger in flag.sqlite_triggers(connection)]
