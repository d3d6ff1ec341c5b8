"""The 30-day clock (DESIGN rule 5): completions still waiting for an issued credential.

A credential is due within 30 calendar days of the assessment being completed. Each kind of
enrolment that can be owed a credential is one *source* in SOURCES, giving its waiting
completions with the common COLUMNS. The report, the dashboard panel and the daily email read
every source through this module, so a new kind (qualification enrolments) is one class added
to SOURCES.

The clock watches completions of the last CLOCK_LOOKBACK_DAYS (settings; a year by default):
that keeps the dashboard's question as cheap with ten years of history as with one. Older
completions never issued are still found, on request, by the report's OLDER window.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Concat
from django.urls import reverse

from testamur.credentials.models import Credential, CredentialStatus
from testamur.training.counts import clock_waiting
from testamur.training.models import CLOCK_WAITING, CourseEnrolment

CLOCK_DAYS = 30
DUE_SOON_DAYS = 7
# The columns every source lists, in this order (sources are combined with UNION ALL).
COLUMNS = [
    "item_kind",
    "item_id",
    "learner_ref",
    "learner_name",
    "learner_code",
    "product",
    "offer_code",
    "completed_on",
    "waiting_status",
]


class ClockWindow:
    OVERDUE = "overdue"
    DUE_THIS_WEEK = "week"
    ALL = "all"
    OLDER = "older"
    CHOICES = [
        (OVERDUE, "Overdue"),
        (DUE_THIS_WEEK, "Overdue or due within 7 days"),
        (ALL, "Everything waiting to be issued"),
        (OLDER, "Completed before the clock's watch began and never issued"),
    ]


class CourseEnrolmentSource:
    """Completed course enrolments with no issued credential (and not marked issued): the
    flags the lifecycle keeps on the enrolment, read through a partial index of the waiting."""

    kind = "course_enrolment"
    url_name = "training:enrolment_detail"
    request_url_name = "credentials:request"

    def waiting(self) -> QuerySet:
        """The filter alone, annotated `completed_on`: what counting needs, no more joins."""
        return CourseEnrolment.objects.filter(CLOCK_WAITING).annotate(
            completed_on=F("completion_date")
        )

    def waiting_counts(self, **windows: tuple[date, date]) -> dict[str, int]:
        """How many wait in each window of (first, last) completion dates: the database keeps
        them by date (training/counts.py), so this does not count the completions."""
        return clock_waiting(**windows)

    def columns(self, rows: QuerySet) -> QuerySet:
        """`rows` with the COLUMNS, for listing."""
        pending = (
            Credential.objects.filter(course_enrolment=OuterRef("pk"))
            .exclude(status=CredentialStatus.CANCELLED)
            .order_by("-id")
            .values("status")[:1]
        )
        return rows.annotate(
            item_kind=Value(self.kind),
            item_id=F("id"),
            learner_ref=F("learner_id"),
            learner_name=Concat("learner__given_name", Value(" "), "learner__family_name"),
            learner_code=F("learner__client_id"),
            product=Concat("offer__course__code", Value(" "), "offer__course__title"),
            offer_code=F("offer__code"),
            waiting_status=Subquery(pending),
        )


# Qualification enrolments join as a second source.
SOURCES = [CourseEnrolmentSource()]
_LINKS = {source.kind: (source.url_name, source.request_url_name) for source in SOURCES}


@dataclass(frozen=True)
class ClockItem:
    kind: str
    pk: int
    learner_id: int
    learner_name: str
    learner_code: str
    product: str
    offer_code: str
    completed_on: date
    due_on: date
    days_left: int
    waiting_status: str

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def url(self) -> str:
        return reverse(_LINKS[self.kind][0], args=[self.pk])

    @property
    def request_url(self) -> str:
        """Where to request its credential."""
        return reverse(_LINKS[self.kind][1], args=[self.pk])

    @property
    def waiting_label(self) -> str:
        if not self.waiting_status:
            return "Not requested"
        return CredentialStatus(self.waiting_status).label

    @property
    def when(self) -> str:
        """'3 days overdue', 'due today', 'due in 5 days'."""
        days = self.days_left
        if days < 0:
            return f"{-days} day{'s' if days != -1 else ''} overdue"
        if days == 0:
            return "due today"
        return f"due in {days} day{'s' if days != 1 else ''}"


def due_on(completed_on: date) -> date:
    return completed_on + timedelta(days=CLOCK_DAYS)


def watch_start(today: date) -> date:
    """The earliest completion the clock watches."""
    return today - timedelta(days=settings.CLOCK_LOOKBACK_DAYS)


def _window(today: date, window: str) -> tuple[date | None, date | None]:
    """The first and last completion dates a window covers (None: no bound)."""
    start = watch_start(today)
    if window == ClockWindow.OLDER:
        return None, start - timedelta(days=1)
    if window == ClockWindow.OVERDUE:
        return start, today - timedelta(days=CLOCK_DAYS + 1)
    if window == ClockWindow.DUE_THIS_WEEK:
        return start, today - timedelta(days=CLOCK_DAYS - DUE_SOON_DAYS)
    return start, None


def _completions(today: date, window: str) -> Q:
    first, last = _window(today, window)
    covered = Q()
    if first is not None:
        covered &= Q(completed_on__gte=first)
    if last is not None:
        covered &= Q(completed_on__lte=last)
    return covered


def clock_queryset(*, today: date, window: str) -> QuerySet:
    """Every source's waiting completions in the window, the longest waiting first."""
    covered = _completions(today, window)
    parts = [
        source.columns(source.waiting().filter(covered)).values(*COLUMNS) for source in SOURCES
    ]
    combined = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return combined.order_by("completed_on", "item_kind", "item_id")


def _item(row: dict, today: date) -> ClockItem:
    due = due_on(row["completed_on"])
    return ClockItem(
        kind=row["item_kind"],
        pk=row["item_id"],
        learner_id=row["learner_ref"],
        learner_name=row["learner_name"],
        learner_code=row["learner_code"],
        product=row["product"],
        offer_code=row["offer_code"] or "",
        completed_on=row["completed_on"],
        due_on=due,
        days_left=(due - today).days,
        waiting_status=row["waiting_status"] or "",
    )


def clock_items(*, today: date, window: str, limit: int | None = None) -> list[ClockItem]:
    rows = clock_queryset(today=today, window=window)
    if limit is not None:
        rows = rows[:limit]
    return [_item(row, today) for row in rows]


def clock_page(
    *, today: date, window: str, page_number, per_page: int = 50, counts: dict | None = None
) -> Page:
    """A page of the window; `counts` (clock_counts) spares counting the two windows it covers."""
    paginator = Paginator(clock_queryset(today=today, window=window), per_page)
    if counts is not None and window == ClockWindow.OVERDUE:
        paginator.count = counts["overdue"]
    elif counts is not None and window == ClockWindow.DUE_THIS_WEEK:
        paginator.count = counts["overdue"] + counts["due_this_week"]
    page = paginator.get_page(page_number)
    page.object_list = [_item(row, today) for row in page.object_list]
    return page


def clock_counts(*, today: date) -> dict[str, int]:
    """How many watched completions are overdue, and how many more fall due within the week."""
    overdue = _window(today, ClockWindow.OVERDUE)
    soon = (overdue[1] + timedelta(days=1), _window(today, ClockWindow.DUE_THIS_WEEK)[1])
    totals = {"overdue": 0, "due_this_week": 0}
    for source in SOURCES:
        counts = source.waiting_counts(overdue=overdue, due_this_week=soon)
        for key in totals:
            totals[key] += counts[key]
    return totals
