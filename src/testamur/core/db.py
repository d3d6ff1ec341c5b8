"""Database helpers shared by the apps."""

from collections import defaultdict

from django.db import models


def rows_update(objs: list[models.Model], fields: list[str]) -> int:
    """Write scalar `fields` of each object: one UPDATE per distinct set of values.

    For the small groups a run commits at a time this is several times cheaper than
    `bulk_update`, whose CASE … WHEN expression for every field and row costs more to build
    than the statements it saves; rows that share their values (the usual case for run items)
    share one statement.
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
    updated = 0
    for values, pks in groups.items():
        updated += manager.filter(pk__in=pks).update(
            **{column.attname: value for column, value in zip(columns, values, strict=True)}
        )
    return updated
