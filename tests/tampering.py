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
            cursor.execute("SET session_replication_role = replica")
            try:
                cursor.execute(statement, params)
            finally:
                cursor.execute("SET session_replication_role = DEFAULT")
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
