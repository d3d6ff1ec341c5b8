"""The daily 30-day-clock email to Admins: what is overdue and what falls due this week."""

import zoneinfo
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from testamur.accounts.models import User
from testamur.accounts.roles import Role
from testamur.core.events import event_record
from testamur.credentials.emailing import from_address
from testamur.organisation.models import Organisation
from testamur.organisation.selectors import organisation_time_zone
from testamur.reports.clock import ClockWindow, clock_counts, clock_items
from testamur.reports.models import ClockDigest, DigestStatus

DIGEST_MAX_LINES = 200
DIGEST_SUBJECT = "Credentials: {overdue} overdue, {due} due this week ({rto})"
# A day's email is sent once; these outcomes mean the day is done.
DAY_DONE = (DigestStatus.SENT, DigestStatus.NOTHING_DUE, DigestStatus.NO_RECIPIENTS)


def rto_today() -> date:
    """Today in the RTO's time zone (a worker has no request to set it)."""
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(organisation_time_zone()))


def digest_recipients() -> list[str]:
    """Active Admins and Owners with an email address: the staff who can issue (rule 6)."""
    users = (
        User.objects.filter(is_active=True, groups__name__in=[Role.ADMIN.value, Role.OWNER.value])
        .exclude(email="")
        .distinct()
        .order_by("email")
    )
    return sorted({user.email for user in users})


def _digest_body(day: date, counts: dict, items, organisation: Organisation) -> str:
    link = f"{settings.PUBLIC_BASE_URL}{reverse('reports:clock')}"
    lines = [
        f"30-day clock for {organisation.display_name} on {day:%d/%m/%Y}.",
        "",
        "A credential is due within 30 calendar days of the learner completing the assessment.",
        f"Overdue: {counts['overdue']}. Due within the next 7 days: {counts['due_this_week']}.",
        "",
    ]
    for item in items[:DIGEST_MAX_LINES]:
        lines.append(
            f"- {item.when.capitalize()} (due {item.due_on:%d/%m/%Y}): {item.learner_name} "
            f"({item.learner_code}), {item.product}"
            + (f", offer {item.offer_code}" if item.offer_code else "")
            + f". Credential: {item.waiting_label}."
        )
    total = counts["overdue"] + counts["due_this_week"]
    if total > DIGEST_MAX_LINES:
        lines.append(f"... and {total - DIGEST_MAX_LINES} more.")
    lines += ["", f"The full list: {link}", ""]
    return "\n".join(lines)


def clock_digest_send(*, day: date, again: bool = False, actor=None) -> ClockDigest | None:
    """Email Admins the day's overdue and due-this-week list.

    Once a day: returns None when the day's email already went out (or is going out), unless
    `again` (someone asked for it now). A failed send is tried again by the next call.
    """
    with transaction.atomic():
        try:
            with transaction.atomic():
                digest = ClockDigest.objects.create(day=day)
        except IntegrityError:
            digest = ClockDigest.objects.select_for_update().get(day=day)
            if digest.status in (*DAY_DONE, DigestStatus.SENDING) and not again:
                return None
            digest.status = DigestStatus.SENDING
            digest.error = ""
            digest.save(update_fields=["status", "error"])

    counts = clock_counts(today=day)
    items = clock_items(today=day, window=ClockWindow.DUE_THIS_WEEK, limit=DIGEST_MAX_LINES)
    recipients = digest_recipients()
    digest.overdue = counts["overdue"]
    digest.due_this_week = counts["due_this_week"]
    digest.recipients = ", ".join(recipients)
    organisation = Organisation.load()
    if not items:
        digest.status = DigestStatus.NOTHING_DUE
    elif not recipients:
        digest.status = DigestStatus.NO_RECIPIENTS
    else:
        message = EmailMessage(
            subject=DIGEST_SUBJECT.format(
                overdue=counts["overdue"],
                due=counts["due_this_week"],
                rto=organisation.display_name,
            ),
            body=_digest_body(day, counts, items, organisation),
            from_email=from_address(organisation),
            to=recipients,
        )
        try:
            message.send()
        except Exception as exc:  # the mail server's refusal is recorded, not raised
            digest.status = DigestStatus.FAILED
            digest.error = f"{type(exc).__name__}: {exc}"[:1000]
        else:
            digest.status = DigestStatus.SENT
    digest.finished_at = timezone.now()
    with transaction.atomic():
        digest.save()
        event_record(
            actor=actor,
            subject_type="clock_digest",
            subject_id=day.isoformat(),
            action="clock_digest",
            to_state=digest.status,
            reason=digest.error,
            data={**counts, "recipients": recipients},
        )
    return digest


def next_digest_at(now: datetime | None = None) -> datetime:
    """The next time the daily email is due: today at CLOCK_DIGEST_HOUR (RTO time) if that is
    still ahead, else tomorrow."""
    zone = zoneinfo.ZoneInfo(organisation_time_zone())
    now = (now or timezone.now()).astimezone(zone)
    slot = datetime.combine(now.date(), time(hour=settings.CLOCK_DIGEST_HOUR), tzinfo=zone)
    if slot <= now:
        slot = datetime.combine(
            now.date() + timedelta(days=1), time(hour=settings.CLOCK_DIGEST_HOUR), tzinfo=zone
        )
    return slot
