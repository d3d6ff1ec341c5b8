"""Raw SQL as a hostile database administrator sends it, with the database's guards on or off."""

from django.db import connection


def sql(statement: str, params=()) -> None:
    """Run one statement with the guards on (the way any database user would)."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def sql_past_the_guards(statement: str, params=()) -> None:
    """Run a statement the way a superuser who switches the guards off would.

    PostgreSQL: `session_replication_role = replica` turns the triggers off for the session.
    SQLite has no switch: the attacker drops every trigger, writes, and creates them again.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The attacker's own session has no key checks queued; the test's transaction has.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET session_replication_role = replica")
            try:
                cursor.execute(statement, params)
            finally:
                cursor.execute("SET session_replication_role = DEFAULT")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            return
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        triggers = cursor.fetchall()
        for name, _ in triggers:
            cursor.execute(f'DROP TRIGGER "{name}"')
        try:
            cursor.execute(statement, params)
        finally:
            for _, create in triggers:
                cursor.execute(create)


def delete_past_the_guards(table: str, where: str = "", params=()) -> None:
    """DELETE rows with the guards off, and (SQLite) the rows that refer to them first, as an
    attacker must there: SQLite checks foreign keys when the statement commits."""
    condition = f" WHERE {where}" if where else ""
    if connection.vendor == "sqlite":
        selected = f"SELECT id FROM {table}{condition}"  # noqa: S608
        for child, column in _referring(table):
            if child != table:
                delete_past_the_guards(child, f"{column} IN ({selected})", params)
    sql_past_the_guards(f"DELETE FROM {table}{condition}", params)  # noqa: S608


def _referring(table: str) -> list[tuple[str, str]]:
    """(table, column) pairs whose foreign key points at `table` (SQLite)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        tables = [row[0] for row in cursor.fetchall()]
        found = []
        for name in tables:
            cursor.execute(f'PRAGMA foreign_key_list("{name}")')
            found += [(name, row[3]) for row in cursor.fetchall() if row[2] == table]
    return found
