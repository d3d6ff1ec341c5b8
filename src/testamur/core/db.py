"""Database helpers shared by the apps."""

from collections import defaultdict

from django.db import connections, models

# Rows written by one statement at most (SQLite's limit on parameters is 32,766).
_ROWS_PER_STATEMENT = 500


def rows_update(objs: list[models.Model], fields: list[str]) -> int:
    """Write scalar `fields` of each object in one statement (or one per set of values).

    For the small groups a run commits at a time this is several times cheaper than
    `bulk_update`, whose CASE … WHEN expression for every field and row costs more to build
    than the statements it saves. Rows that all share their values (the usual case for run
    items) take one `UPDATE … WHERE id IN (…)`; rows whose values differ (a file name, a
    number per credential) take one `UPDATE … FROM (VALUES …)` instead of one statement each.
    """
    if not objs:
        return 0
    meta = objs[0]._meta
    columns = [meta.get_field(name) for name in fields]
    groups: dict[tuple, list] = defaultdict(list)
    for obj in objs:
        values = tuple(column.get_prep_value(getattr(obj, column.attname)) for column in columns)
        groups[values].append(obj.pk)
    manager = type(objs[0])._base_manager
    if len(groups) > 1 and connections[manager.db].vendor in ("postgresql", "sqlite"):
        rows = [(pk, values) for values, pks in groups.items() for pk in pks]
        return sum(
            _update_from_values(manager, columns, rows[start : start + _ROWS_PER_STATEMENT])
            for start in range(0, len(rows), _ROWS_PER_STATEMENT)
        )
    updated = 0
    for values, pks in groups.items():
        updated += manager.filter(pk__in=pks).update(
            **{column.attname: value for column, value in zip(columns, values, strict=True)}
        )
    return updated


def _update_from_values(manager, columns, rows: list[tuple]) -> int:
    """One UPDATE joining the table to a VALUES list of (pk, *values) (PostgreSQL, SQLite
    3.33+). Values are converted as Django's own UPDATE converts them; on PostgreSQL each is
    cast to its column's type (a VALUES list of parameters has none of its own)."""
    meta = manager.model._meta
    connection = connections[manager.db]
    quote = connection.ops.quote_name
    pk = meta.pk
    names = [pk.column, *(column.column for column in columns)]
    fields = [pk, *columns]
    if connection.vendor == "postgresql":
        casts = [f"CAST(%s AS {field.db_type(connection)})" for field in fields]
        placeholder = "(" + ", ".join(casts) + ")"
    else:
        placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
    params = []
    for key, values in rows:
        params.append(pk.get_db_prep_save(key, connection))
        params += [
            column.get_db_prep_save(value, connection)
            for column, value in zip(columns, values, strict=True)
        ]
    table = quote(meta.db_table)
    aliases = [quote(f"v_{name}") for name in names]
    values = f"VALUES {', '.join([placeholder] * len(rows))}"
    if connection.vendor == "postgresql":
        source = f"({values}) AS v ({', '.join(aliases)})"
    else:  # SQLite names a VALUES list's columns column1, column2, …
        renamed = ", ".join(f"column{i} AS {alias}" for i, alias in enumerate(aliases, 1))
        source = f"(SELECT {renamed} FROM ({values})) AS v"  # noqa: S608 (names are quoted)
    # Only the model's own table and column names (quoted) are spliced in; values are parameters.
    assignments = ", ".join(
        f"{quote(name)} = v.{alias}" for name, alias in zip(names[1:], aliases[1:], strict=True)
    )
    where = f"{table}.{quote(pk.column)} = v.{aliases[0]}"
    sql = " ".join(["UPDATE", table, "SET", assignments, "FROM", source, "WHERE", where])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
