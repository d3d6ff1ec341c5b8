"""What every API resource shares: input types that cannot crash the database, pagination,
the documented error responses, and lookups that answer 404."""

from datetime import date
from math import ceil
from typing import Annotated, Any, Literal

from django.http import Http404
from ninja import Field, Path, Schema
from ninja.pagination import PaginationBase
from pydantic import AfterValidator, BeforeValidator, ConfigDict, Strict, StrictBool

from testamur.api.errors import ErrorOut
from testamur.core.paging import keyset_page

# The largest primary key the databases store; bigger numbers are refused before any query.
MAX_ID = 2**63 - 1
MAX_PAGE = 100_000
MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50

TEXT_INVALID = "Text cannot contain NUL characters or unpaired surrogates."


def _text(value: str) -> str:
    # PostgreSQL refuses NUL in text and no database stores a lone surrogate: say so as a 422.
    if "\x00" in value:
        raise ValueError(TEXT_INVALID)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(TEXT_INVALID) from exc
    return value


Text = Annotated[str, AfterValidator(_text)]

DATE_INVALID = "Enter the date as YYYY-MM-DD."


def _iso_date(value):
    # Pydantic would also read a number as a Unix timestamp; a date here is always YYYY-MM-DD.
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or len(value) != 10:
        raise ValueError(DATE_INVALID)
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(DATE_INVALID) from exc


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
# Bodies are JSON: a number must be a number and a flag true or false ("5" or 1 is refused).
Id = Annotated[int, Strict(), Field(ge=1, le=MAX_ID)]
Flag = StrictBool
Revision = Annotated[int, Strict(), Field(ge=1, le=2**31 - 1)]
# Query strings, paths and JSON object keys are text, read as numbers.
QueryId = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
QueryRevision = Annotated[int | None, Field(ge=1, le=2**31 - 1)]


def one_of(choices, *extra: str):
    """A Literal of a TextChoices' values (plus `extra`), so the schema lists them."""
    return Literal[(*extra, *choices.values)]


class Input(Schema):
    """Request bodies: unknown fields are refused, so a misspelt field is never ignored."""

    model_config = ConfigDict(extra="forbid")


class Filters(Schema):
    model_config = ConfigDict(extra="ignore")


class PageNumberPagination(PaginationBase):
    """?page=N&page_size=M (at most 200), with the total count and the number of pages."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE, description="Page number, from 1.")
        page_size: int = Field(
            DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Items per page."
        )

    class Output(Schema):
        items: list[Any]
        count: int
        page: int
        page_size: int
        pages: int

    def paginate_queryset(self, queryset, pagination, request, **params):
        size = pagination.page_size
        offset = (pagination.page - 1) * size
        count = self._items_count(queryset)
        return {
            "items": queryset[offset : offset + size],
            "count": count,
            "page": pagination.page,
            "page_size": size,
            "pages": ceil(count / size),
        }


class CursorPagination(PaginationBase):
    """?after=<id> (or ?before=<id>) and page_size: the register's own keyset pages, which cost
    the same on the first page and the millionth row (core/paging.py). `count` stops at 10,000
    (`count_capped` then says there are more)."""

    class Input(Schema):
        after: int | None = Field(None, ge=1, le=MAX_ID, description="The `next` of a page.")
        before: int | None = Field(None, ge=1, le=MAX_ID, description="The `previous` of a page.")
        page_size: int = Field(
            DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Items per page."
        )

    class Output(Schema):
        items: list[Any]
        count: int
        count_capped: bool
        next: int | None = Field(description="Pass as `after` for the next page.")
        previous: int | None = Field(description="Pass as `before` for the previous page.")

    def __init__(self, *, keys: list[str], **kwargs):
        self.keys = keys
        super().__init__(**kwargs)

    def paginate_queryset(self, queryset, pagination, request, **params):
        page = keyset_page(
            queryset,
            keys=self.keys,
            after=pagination.after,
            before=pagination.before,
            per_page=pagination.page_size,
        )
        return {
            "items": page.object_list,
            "count": page.count,
            "count_capped": page.count_capped,
            "next": page.after,
            "previous": page.before,
        }


# Statuses any operation may answer with, besides its success.
READ_ERRORS = (401, 403, 404, 422)
WRITE_ERRORS = (400, 401, 403, 404, 409, 413, 422)


def responses(success: dict[int, Any], errors=READ_ERRORS) -> dict[int, Any]:
    return {**success, **dict.fromkeys(errors, ErrorOut)}


NOT_FOUND = "No {what} with id {pk}."


def get_or_404(queryset, what: str, pk: int, **scope):
    """The record with `pk` within `scope`; one in another learner's records is not found."""
    found = queryset.filter(pk=pk, **scope).first()
    if found is None:
        raise Http404(NOT_FOUND.format(what=what, pk=pk))
    return found
