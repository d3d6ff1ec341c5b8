"""Counts of a table's rows by some of its columns, kept by the database (docs/decisions/0028).

A count that the dashboard shows must not read the whole table at a million rows. The database
keeps it instead: every INSERT, UPDATE and DELETE of the counted table adds delta rows
(the key columns and `n`) to a small counts table in the same transaction, by trigger, whatever
made the change (a service, a bulk load, a script), so the counts cannot drift by a code path
that forgot them. PostgreSQL: statement-level triggers over the transition tables (one delta row
per key a statement touched, even for a million-row INSERT). SQLite: row triggers, installed
after every migrate like the guards (core/db_guards.py says why).

Delta rows rather than one row per key updated with `n = n + k`: an INSERT waits for no other
transaction, so two writers never queue on a counter row. `KeptCounts.read()` sums them and
folds them into one row per key once more than FOLD_AT have gathered; `rebuild()` recounts from
the table with its writers held off; `drift()` compares the two in one snapshot.

A count may cover only the rows matching a condition (`where`, e.g. "completions waiting for a
credential", keyed by completion date): the triggers test it in SQL (`where_sql`), while
`drift()` counts the table with the Django `where`, so a check also catches the two disagreeing.
"""

# ruff: noqa: S608 - the SQL here is built from model metadata only, never from input

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, migrations, transaction
from django.db.models import Count, Model, Q, Sum
from django.db.models.constants import LOOKUP_SEP

from testamur.core.db_guards import SqliteTrigger, postgres_only, statement_triggers

FOLD_AT = 200


@dataclass(frozen=True)
class KeptCounts:
    name: str  # prefix of the trigger function and triggers
    counted: type[Model]
    counts: type[Model]  # the key columns and a BigIntegerField `n`
    keys: tuple[str, ...]
    # Only rows matching `where` are counted. `where_sql` says the same in SQL, `{row}` standing
    # for the row ("new_rows", "NEW", …).
    where: Q | None = None
    where_sql: str = ""

    def _matching(self, row: str) -> str:
        return self.where_sql.format(row=row) if self.where_sql else "TRUE"

    def _where_columns(self) -> tuple[str, ...]:
        """The columns `where` reads: a change to one of them may move a row in or out."""

        def fields(condition: Q):
            for child in condition.children:
                if isinstance(child, Q):
                    yield from fields(child)
                else:
                    yield child[0].split(LOOKUP_SEP)[0]

        names = fields(self.where) if self.where else ()
        return tuple(self.counted._meta.get_field(name).column for name in names)

    # --- the triggers -------------------------------------------------------------------
    @property
    def _tables(self) -> tuple[str, str]:
        return self.counted._meta.db_table, self.counts._meta.db_table

    def _postgres(self) -> tuple[str, str]:
        table, counts = self._tables
        keys = ", ".join(self.keys)
        insert = f"INSERT INTO {counts} ({keys}, n)"
        new, old = self._matching("new_rows"), self._matching("old_rows")
        grouped = f"GROUP BY {keys};"
        return statement_triggers(
            self.name,
            table,
            on_insert=f"{insert} SELECT {keys}, count(*) FROM new_rows WHERE {new} {grouped}",
            on_delete=f"{insert} SELECT {keys}, -count(*) FROM old_rows WHERE {old} {grouped}",
            on_update=f"""{insert}
        SELECT {keys}, sum(delta) FROM (
            SELECT {keys}, -1 AS delta FROM old_rows WHERE {old}
            UNION ALL SELECT {keys}, 1 FROM new_rows WHERE {new}
        ) moved GROUP BY {keys} HAVING sum(delta) <> 0;""",
        )

    def postgres_forward(self) -> str:
        return self._postgres()[0]

    def postgres_backward(self) -> str:
        return self._postgres()[1]

    def migration_operations(self) -> list:
        """After the counts table's CreateModel: PostgreSQL's triggers, then the first counts,
        taken with the table's writers held off (SHARE lock) in the migration's transaction, so
        no change is missed or counted twice. SQLite's triggers come after migrate."""
        table, _ = self._tables

        def fill(apps, schema_editor):
            counted = apps.get_model(self.counted._meta.label)
            counts = apps.get_model(self.counts._meta.label)
            if schema_editor.connection.vendor == "postgresql":
                schema_editor.execute(f"LOCK TABLE {table} IN SHARE MODE", params=None)
            rows = (
                counted.objects.filter(self.where or Q())
                .values_list(*self.keys)
                .annotate(n=Count("pk"))
                .order_by()
            )
            counts.objects.bulk_create(
                counts(**dict(zip(self.keys, row[:-1], strict=True)), n=row[-1]) for row in rows
            )

        return [
            postgres_only(self.postgres_forward(), self.postgres_backward()),
            migrations.RunPython(fill, migrations.RunPython.noop),
        ]

    def sqlite_triggers(self, connection) -> list[SqliteTrigger]:
        """SQLite's copy of the PostgreSQL triggers (register with core.db_guards)."""
        table, counts = self._tables
        with connection.cursor() as cursor:
            if counts not in connection.introspection.table_names(cursor):
                return []

        keys = ", ".join(self.keys)
        columns = tuple(dict.fromkeys(self.keys + self._where_columns()))

        def count(row: str, n: int) -> str:
            """Add n to the count of `row`'s key, if `row` is counted."""
            picked = ", ".join(f"{row}.{key}" for key in self.keys)
            return (
                f"INSERT INTO {counts} ({keys}, n) SELECT {picked}, {n} "
                f"WHERE {self._matching(row)};"
            )

        def trigger(op: str, when: str, body: list[str]) -> SqliteTrigger:
            return SqliteTrigger(
                name=f"{self.name}_{op.split()[0].lower()}",
                table=table,
                columns=columns,
                definition=f"AFTER {op} ON {table} FOR EACH ROW{when} BEGIN {' '.join(body)} END",
            )

        changed = " OR ".join(f"NEW.{column} IS NOT OLD.{column}" for column in columns)
        return [
            trigger("INSERT", "", [count("NEW", 1)]),
            trigger(
                f"UPDATE OF {', '.join(columns)}",
                f" WHEN {changed}",
                [count("OLD", -1), count("NEW", 1)],
            ),
            trigger("DELETE", "", [count("OLD", -1)]),
        ]

    # --- reading, checking, rebuilding --------------------------------------------------
    def _key(self, row) -> object:
        return row[0] if len(self.keys) == 1 else tuple(row[: len(self.keys)])

    def read(self, *, fold: bool = True) -> dict:
        """The count of each key (one value, or a tuple of them); a key with none may be
        missing."""
        rows = list(
            self.counts.objects.values_list(*self.keys)
            .annotate(total=Sum("n"), rows=Count("id"))
            .order_by()
        )
        if fold and sum(row[-1] for row in rows) - len(rows) > FOLD_AT:
            self._fold()
        return {self._key(row): row[-2] for row in rows if row[-2]}

    def sums(self, **windows: Q) -> dict[str, int]:
        """For a count keyed by one column (a date, say): the total over the keys each window
        (a filter on that column) covers, in one query reading only those keys' rows."""
        (key,) = self.keys
        found = self.counts.objects.filter(reduce(or_, windows.values())).aggregate(
            rows=Count("id"),
            keys=Count(key, distinct=True),
            **{name: Sum("n", filter=window) for name, window in windows.items()},
        )
        if found["rows"] - found["keys"] > FOLD_AT:
            self._fold()
        return {name: found[name] or 0 for name in windows}

    def _fold(self) -> None:
        """One row per key instead of many. DELETE … RETURNING hands back exactly the rows this
        statement removed, so two folds at once (or a fold beside new deltas) count each once."""
        _, counts = self._tables
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {counts} RETURNING {', '.join(self.keys)}, n")
            totals: dict = {}
            for row in cursor.fetchall():
                totals[row[:-1]] = totals.get(row[:-1], 0) + row[-1]
            self.counts.objects.bulk_create(
                self.counts(**dict(zip(self.keys, key, strict=True)), n=n)
                for key, n in totals.items()
                if n
            )

    def _counted_now(self) -> dict:
        counted = self.counted.objects.filter(self.where or Q())
        rows = counted.values_list(*self.keys).annotate(n=Count("pk")).order_by()
        return {self._key(row): row[-1] for row in rows}

    def rebuild(self) -> dict:
        """Recount from the table. On PostgreSQL its writers wait meanwhile (SHARE lock), so no
        change falls between the count and the new rows."""
        table, counts = self._tables
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(f"LOCK TABLE {table} IN SHARE MODE")
                    cursor.execute(f"LOCK TABLE {counts} IN EXCLUSIVE MODE")
            counted = self._counted_now()
            self.counts.objects.all().delete()
            self.counts.objects.bulk_create(
                self.counts(**dict(zip(self.keys, self._as_tuple(key), strict=True)), n=n)
                for key, n in counted.items()
            )
        return counted

    def _as_tuple(self, key) -> tuple:
        return key if len(self.keys) > 1 else (key,)

    def drift(self) -> dict:
        """Keys whose kept count differs from the table's: key → (table, kept)."""
        outermost = not connection.in_atomic_block
        with transaction.atomic():
            if outermost and connection.vendor == "postgresql":  # one snapshot for both reads
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            counted, kept = self._counted_now(), self.read(fold=False)
        return {
            key: (counted.get(key, 0), kept.get(key, 0))
            for key in sorted(set(counted) | set(kept), key=str)
            if counted.get(key, 0) != kept.get(key, 0)
        }


class KeptCountsCommand(BaseCommand):
    """A management command checking (or, with --rebuild, recounting) one KeptCounts."""

    counts: KeptCounts
    what: str  # "Credential counts"
    source: str  # "the register"
    counted_label: str  # "register", in "issued: register 2, kept 7"
    rows: str  # "credentials", in "Recounted 1,234 credentials in 5 statuses."
    groups: str  # "statuses"

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help=f"recount from {self.source}")

    def handle(self, *args, rebuild=False, **options):
        if rebuild:
            counted = self.counts.rebuild()
            self.stdout.write(
                f"Recounted {sum(counted.values()):,} {self.rows} in {len(counted)} {self.groups}."
            )
            return
        drift = self.counts.drift()
        if drift:
            lines = [
                f"{key}: {self.counted_label} {n:,}, kept {k:,}" for key, (n, k) in drift.items()
            ]
            raise CommandError(
                f"{self.what} differ from {self.source} (run with --rebuild):\n" + "\n".join(lines)
            )
        self.stdout.write(f"{self.what} agree with {self.source}.")
