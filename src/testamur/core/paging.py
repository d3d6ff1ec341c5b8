"""Keyset pagination: pages of a long, ordered list that cost the same at row 1 and row 1,000,000.

A page is addressed by the id of a row next to it (`?after=<id>` or `?before=<id>`), never by
an offset, so the database starts reading at that row through the index of the sort order. The
total is counted only up to COUNT_CAP rows; beyond that the page says "more than".
"""

from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import F, Q, QuerySet

PAGE_SIZE = 50
COUNT_CAP = 10_000


@dataclass
class KeysetPage:
    """One page of rows and the cursors around it (the same shape the pagination partial reads)."""

    object_list: list
    after: int | None = None  # the id to ask for the next page with
    before: int | None = None  # the id to ask for the previous page with
    count: int = 0
    count_capped: bool = False
    is_first: bool = True
    extra: dict = field(default_factory=dict)

    @property
    def has_next(self) -> bool:
        return self.after is not None

    @property
    def has_previous(self) -> bool:
        return self.before is not None

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)


def cursor_parse(value) -> int | None:
    """A cursor from the query string: a positive id, or None for anything else."""
    value = str(value or "")
    return int(value) if value.isdigit() and 0 < len(value) < 19 else None


def _position(queryset: QuerySet, keys: list[str], cursor: int) -> dict | None:
    """The sort-key values of the row with id `cursor`, whatever the filters (None if gone)."""
    names = [key.lstrip("-") for key in keys]
    values = queryset.model._default_manager.filter(pk=cursor).values(*names).first()
    # A row with no value for a key (e.g. no course) has no place in this order.
    return values if values and None not in values.values() else None


def _beyond(keys: list[str], values: dict, *, forward: bool) -> Q:
    """Rows strictly after (or before) `values` in the order `keys`.

    Written as "first key at or past the value AND (strictly past on some key)", so the
    database can start its index scan at the first key's value.
    """
    first = keys[0]
    name = first.lstrip("-")
    ascending = not first.startswith("-")
    op = "gte" if ascending == forward else "lte"
    start = Q(**{f"{name}__{op}": values[name]})
    past = Q()
    equal = Q()
    for key in keys:
        name = key.lstrip("-")
        ascending = not key.startswith("-")
        op = "gt" if ascending == forward else "lt"
        past |= equal & Q(**{f"{name}__{op}": values[name]})
        equal &= Q(**{name: values[name]})
    return start & past


def _ordering(keys: list[str], sort: dict, *, forward: bool) -> list:
    order = []
    for key in keys:
        name = key.lstrip("-")
        descending = key.startswith("-") == forward
        expression = sort.get(name, F(name))
        order.append(expression.desc() if descending else expression.asc())
    return order


def count_capped(queryset: QuerySet) -> int:
    """How many rows, counting no further than COUNT_CAP + 1."""
    return queryset.order_by()[: COUNT_CAP + 1].count()


def keyset_page(
    queryset: QuerySet,
    *,
    keys: list[str],
    after: int | None = None,
    before: int | None = None,
    per_page: int = PAGE_SIZE,
    count: int | None = None,
    sort: dict | None = None,
) -> KeysetPage:
    """The page of `queryset` (ordered by `keys`, the last of which must be unique) after or
    before the row with that id; the first page when neither is given or the row is gone.

    Keys are field paths (joins allowed) that must not be NULL for any listed row. `sort` may
    give an expression to order a key by instead of the bare column (same values, other plan);
    `count` is the count_capped() result when the caller already has it.
    """
    forward = before is None
    cursor = after if forward else before
    position = _position(queryset, keys, cursor) if cursor else None
    rows = queryset
    if position is not None:
        rows = rows.filter(_beyond(keys, position, forward=forward))
    order = _ordering(keys, sort or {}, forward=forward)
    found = list(rows.order_by(*order)[: per_page + 1])
    more = len(found) > per_page
    found = found[:per_page]
    if not forward:
        found.reverse()
    page = KeysetPage(object_list=found, is_first=position is None or (not forward and not more))
    if found:
        if forward:
            page.after = found[-1].pk if more else None
            page.before = found[0].pk if position is not None else None
        else:
            page.after = found[-1].pk
            page.before = found[0].pk if more else None
    page.count = count_capped(queryset) if count is None else count
    page.count_capped = page.count > COUNT_CAP
    page.count = min(page.count, COUNT_CAP)
    return page


def paginate(queryset, page_number, per_page: int = PAGE_SIZE) -> Page:
    """A page of a short list by page number (keyset pages above are for long ones); a missing,
    non-numeric or out-of-range page number gives a valid page."""
    return Paginator(queryset, per_page).get_page(page_number)
