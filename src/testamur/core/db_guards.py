"""Database guards: triggers that refuse writes no code path may make (DESIGN.md rules 1, 7, 9).

The service layer refuses first; these hold whatever else writes to the database (a script,
`manage.py dbshell`, a bulk `UPDATE`). Protecting one more table is one call per rule:

PostgreSQL — in a new migration of the table's app, with the generic trigger functions
created by core/migrations/0004::

    operations = [
        postgres_only(*truncate_refused("credentials_issuance")),
        postgres_only(*row_frozen_once_set("credentials_issuance", once_set="document_sha256")),
    ]

SQLite — in the app's `ready()`::

    sqlite_guard_add(sqlite_row_frozen_once_set("credentials_issuance", once_set="document_sha256"))

SQLite triggers are not created by migrations: Django changes a SQLite table by building a new
one and dropping the old, and the old table's triggers go with it. They are (re)installed after
every `migrate` instead (core/apps.py), which also keeps them in step with the code.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import migrations

# --- PostgreSQL --------------------------------------------------------------------------------


def postgres_only(forward: str, backward: str) -> migrations.RunPython:
    """A migration operation that runs `forward` (and `backward` to undo) on PostgreSQL only."""

    def run(sql):
        def apply(apps, schema_editor):
            if schema_editor.connection.vendor == "postgresql":
                schema_editor.execute(sql, params=None)

        return apply

    return migrations.RunPython(run(forward), run(backward))


_TRANSITION_TABLES = {
    "INSERT": "REFERENCING NEW TABLE AS new_rows",
    "UPDATE": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "DELETE": "REFERENCING OLD TABLE AS old_rows",
}


def statement_triggers(
    name: str, table: str, *, on_insert: str, on_update: str, on_delete: str
) -> tuple[str, str]:
    """SQL (forward, backward) for a plpgsql function `<name>_follow()` running, after every
    INSERT, UPDATE and DELETE statement on `table`, the SQL given for that operation, with the
    statement's rows as the transition tables `new_rows` (INSERT, UPDATE) and `old_rows`
    (UPDATE, DELETE). One trigger per operation: PostgreSQL allows transition tables only so."""
    body = (
        f"    IF TG_OP = 'INSERT' THEN\n{on_insert}\n"
        f"    ELSIF TG_OP = 'DELETE' THEN\n{on_delete}\n"
        f"    ELSE\n{on_update}\n    END IF;"
    )
    forward = (
        f"CREATE OR REPLACE FUNCTION {name}_follow() RETURNS trigger\n"
        f"LANGUAGE plpgsql AS $$\nBEGIN\n{body}\n    RETURN NULL;\nEND $$;\n"
    ) + "".join(
        f"CREATE TRIGGER {name}_{op.lower()} AFTER {op} ON {table} {referencing} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {name}_follow();\n"
        for op, referencing in _TRANSITION_TABLES.items()
    )
    backward = "".join(
        f"DROP TRIGGER IF EXISTS {name}_{op.lower()} ON {table};\n" for op in _TRANSITION_TABLES
    ) + (f"DROP FUNCTION IF EXISTS {name}_follow();\n")
    return forward, backward


def truncate_refused(table: str) -> tuple[str, str]:
    """SQL (forward, backward) refusing `TRUNCATE table`, also when it comes by CASCADE."""
    trigger = f"{table}_no_truncate"
    return (
        f"CREATE TRIGGER {trigger} BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION testamur_refuse_truncate();",
        f"DROP TRIGGER IF EXISTS {trigger} ON {table};",
    )


def row_frozen_once_set(table: str, *, once_set: str) -> tuple[str, str]:
    """SQL (forward, backward): once `once_set` holds a value, the row never changes again and
    is never deleted."""
    trigger = f"{table}_frozen"
    return (
        f"CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW "
        f"EXECUTE FUNCTION testamur_row_frozen_once_set('{once_set}');",
        f"DROP TRIGGER IF EXISTS {trigger} ON {table};",
    )


# --- SQLite ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SqliteTrigger:
    name: str
    table: str
    # The columns the trigger reads: it is installed only when they all exist (a database
    # migrated part of the way, e.g. to an older state, gets no trigger that would break it).
    columns: tuple[str, ...]
    # The body after "CREATE TRIGGER <name> ".
    definition: str

    def create_sql(self) -> str:
        return f"CREATE TRIGGER {self.name} {self.definition}"

    def drop_sql(self) -> str:
        return f"DROP TRIGGER IF EXISTS {self.name}"


# Each entry makes its triggers for a connection (some read the table's columns first).
GuardFactory = Callable[[object], list[SqliteTrigger]]
_sqlite_guards: list[GuardFactory] = []


def sqlite_guard_add(factory: GuardFactory) -> None:
    """Register SQLite triggers (a factory: connection → triggers) installed after migrate."""
    if factory not in _sqlite_guards:
        _sqlite_guards.append(factory)


def sqlite_quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def sqlite_refuse(
    name: str, table: str, *, when: str, message: str, columns=(), op: str = "UPDATE"
) -> SqliteTrigger:
    """A trigger that aborts the statement with `message` when `when` holds for a row."""
    condition = f" WHEN {when}" if when else ""
    return SqliteTrigger(
        name=name,
        table=table,
        columns=tuple(columns),
        definition=(
            f"BEFORE {op} ON {table} FOR EACH ROW{condition} "
            f"BEGIN SELECT RAISE(ABORT, {sqlite_quote(message)}); END"
        ),
    )


def _table_columns(connection, table: str) -> list[str]:
    with connection.cursor() as cursor:
        return [
            column.name for column in connection.introspection.get_table_description(cursor, table)
        ]


def sqlite_row_frozen_once_set(table: str, *, once_set: str) -> GuardFactory:
    """SQLite's row_frozen_once_set: every column of the table is compared."""

    def factory(connection) -> list[SqliteTrigger]:
        columns = _table_columns(connection, table) if _table_exists(connection, table) else []
        if once_set not in columns:
            return []
        is_set = f"coalesce(OLD.{once_set}, '') <> ''"
        changed = " OR ".join(f'NEW."{c}" IS NOT OLD."{c}"' for c in columns)
        message = f"A {table} row is frozen once its {once_set} is set"
        return [
            sqlite_refuse(
                f"{table}_frozen_update",
                table,
                when=f"{is_set} AND ({changed})",
                message=message + " and cannot be changed.",
                columns=columns,
            ),
            sqlite_refuse(
                f"{table}_frozen_delete",
                table,
                when=is_set,
                message=message + " and cannot be deleted.",
                columns=[once_set],
                op="DELETE",
            ),
        ]

    return factory


def _table_exists(connection, table: str) -> bool:
    with connection.cursor() as cursor:
        return table in connection.introspection.table_names(cursor)


def sqlite_guard_triggers(connection) -> list[SqliteTrigger]:
    """Every registered trigger whose table and columns exist in this database."""
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
    triggers = []
    for factory in _sqlite_guards:
        for trigger in factory(connection):
            if trigger.table not in tables:
                continue
            if set(trigger.columns) - set(_table_columns(connection, trigger.table)):
                continue
            triggers.append(trigger)
    return triggers


def sqlite_guards_install(connection) -> list[str]:
    """Drop and create every registered SQLite trigger. Returns their names."""
    if connection.vendor != "sqlite":
        return []
    triggers = sqlite_guard_triggers(connection)
    with connection.cursor() as cursor:
        for trigger in triggers:
            cursor.execute(trigger.drop_sql())
            cursor.execute(trigger.create_sql())
    return [trigger.name for trigger in triggers]


def sqlite_guards_after_migrate(sender, using="default", **kwargs) -> None:
    from django.db import connections

    sqlite_guards_install(connections[using])


APPEND_ONLY = "The event log is append-only: {op} of an event is not allowed."
HEAD_ONLY_FORWARD = "The event chain head only moves forward (more events, a new newest hash)."
HEAD_KEPT = "The event chain head cannot be deleted."


def event_log_sqlite_guards(connection) -> list[SqliteTrigger]:
    """SQLite's copy of core/migrations 0002 and 0004: history is never rewritten (rule 7)."""
    return [
        sqlite_refuse(
            "core_event_no_update", "core_event", when="", message=APPEND_ONLY.format(op="UPDATE")
        ),
        sqlite_refuse(
            "core_event_no_delete",
            "core_event",
            when="",
            message=APPEND_ONLY.format(op="DELETE"),
            op="DELETE",
        ),
        sqlite_refuse(
            "core_eventchainhead_forward",
            "core_eventchainhead",
            when="NEW.id IS NOT OLD.id OR NEW.count <= OLD.count",
            message=HEAD_ONLY_FORWARD,
            columns=["id", "count"],
        ),
        sqlite_refuse(
            "core_eventchainhead_kept",
            "core_eventchainhead",
            when="",
            message=HEAD_KEPT,
            op="DELETE",
        ),
    ]
