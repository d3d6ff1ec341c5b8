"""The daily 30-day-clock email to Admins: sent once a day over SMTP, retried, self-scheduling."""

import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django_tasks_db.models import DBTaskResult

from testamur.accounts.roles import Role
from testamur.core.worker import worker_schedules
from testamur.organisation.selectors import organisation_time_zone_forget
from testamur.reports.models import ClockDigest, DigestStatus
from testamur.reports.services import clock_digest_send, rto_today
from testamur.reports.tasks import clock_digest_daily, clock_digest_schedule
from testamur.reports.views import DIGEST_DONE
from testamur.training.models import EnrolmentStatus
from tests.factories import (
    course_make,
    enrolment_make,
    learner_make,
    offer_make,
    organisation_configured,
)
from tests.mailserver import free_port

pytestmark = pytest.mark.django_db

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
SYDNEY = zoneinfo.ZoneInfo("Australia/Sydney")


@pytest.fixture
def staff(make_user):
    return {
        "admin": make_user(Role.ADMIN, email="admin@rto.example"),
        "owner": make_user(Role.OWNER, email="owner@rto.example"),
        "user": make_user(Role.USER, email="user@rto.example"),
        "no_email": make_user(Role.ADMIN, email=""),
    }


@pytest.fixture
def overdue():
    organisation_configured()
    today = rto_today()
    offer = offer_make(
        course_make("BSB40120", title="Certificate IV in Business", aqf_level=4),
        code="BSB40120-T1",
        start_date=today - timedelta(days=200),
        end_date=today,
    )
    return enrolment_make(
        learner=learner_make(given_name="Mia", family_name="Nguyen", client_id="L00042"),
        offer=offer,
        status=EnrolmentStatus.COMPLETED,
        completion_date=today - timedelta(days=33),
    )


def test_admins_and_owners_are_emailed_the_list_once_a_day(staff, overdue, smtp_server):
    day = rto_today()

    digest = clock_digest_send(day=day)

    assert digest.status == DigestStatus.SENT
    (received,) = smtp_server.received
    assert sorted(received.rcpt_tos) == ["admin@rto.example", "owner@rto.example"]
    message = received.message
    assert message["Subject"] == "Credentials: 1 overdue, 0 due this week (Harbour City Training)"
    body = message.get_body(("plain",)).get_content()
    assert "3 days overdue" in body
    assert "Mia Nguyen (L00042), BSB40120 Certificate IV in Business, offer BSB40120-T1" in body
    assert "/reports/clock/" in body

    assert clock_digest_send(day=day) is None  # the day's email has gone
    assert len(smtp_server.received) == 1
    assert clock_digest_send(day=day, again=True).status == DigestStatus.SENT
    assert len(smtp_server.received) == 2


def test_a_day_with_nothing_due_sends_nothing(staff, smtp_server):
    organisation_configured()
    digest = clock_digest_send(day=rto_today())
    assert digest.status == DigestStatus.NOTHING_DUE
    assert smtp_server.received == []


def test_mail_server_down_is_recorded_and_the_next_try_sends(settings, staff, overdue, smtp_server):
    live_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()

    with pytest.raises(CommandError, match="ConnectionRefusedError"):
        call_command("send_clock_digest")

    digest = ClockDigest.objects.get(day=rto_today())
    assert digest.status == DigestStatus.FAILED
    settings.EMAIL_PORT = live_port
    assert clock_digest_send(day=rto_today()).status == DigestStatus.SENT
    assert len(smtp_server.received) == 1


def test_the_command_reports_what_it_did(staff, overdue, smtp_server, capsys):
    call_command("send_clock_digest")
    out = capsys.readouterr().out
    assert "1 overdue, 0 due this week — sent to admin@rto.example, owner@rto.example" in out
    call_command("send_clock_digest")
    assert "Already sent" in capsys.readouterr().out


def test_send_now_button_for_admins(staff, overdue, smtp_server, client):
    client.force_login(staff["admin"])
    response = client.post("/reports/clock/send/", follow=True)
    assert (
        DIGEST_DONE[DigestStatus.SENT].format(recipients="admin@rto.example, owner@rto.example")
        in response.content.decode()
    )
    client.force_login(staff["user"])
    assert client.post("/reports/clock/send/").status_code == 403
    assert len(smtp_server.received) == 1


@pytest.fixture
def sydney():
    """The RTO in Sydney (the time zone is cached; forget what other tests left there)."""
    organisation_configured(time_zone="Australia/Sydney")
    organisation_time_zone_forget()


def _queued() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=clock_digest_daily.module_path))


def test_the_daily_task_queues_itself_once_for_the_next_morning(settings, staff, sydney):
    settings.TASKS = DB_TASKS
    settings.CLOCK_DIGEST_HOUR = 7
    early = datetime(2026, 11, 23, 5, 30, tzinfo=SYDNEY)

    assert clock_digest_schedule(now=early) == datetime(2026, 11, 23, 7, 0, tzinfo=SYDNEY)
    assert clock_digest_schedule(now=early) is None  # already waiting: not queued twice
    assert len(_queued()) == 1


def test_a_worker_started_after_the_hour_sends_todays_email_now(settings, staff, sydney):
    settings.TASKS = DB_TASKS
    settings.CLOCK_DIGEST_HOUR = 7
    late = datetime.now(SYDNEY).replace(hour=10, minute=0, second=0, microsecond=0)

    assert clock_digest_schedule(now=late) == late

    DBTaskResult.objects.all().delete()
    ClockDigest.objects.create(day=late.date(), status=DigestStatus.SENT)
    tomorrow_seven = (late + timedelta(days=1)).replace(hour=7, minute=0)
    assert clock_digest_schedule(now=late) == tomorrow_seven


def test_inline_task_backends_are_not_scheduled(staff):
    assert clock_digest_schedule() is None


def test_the_background_task_sends_the_days_email(staff, overdue, smtp_server):
    result = clock_digest_daily.enqueue()  # runs inline with the tests' task backend
    assert result.return_value == DigestStatus.SENT
    assert len(smtp_server.received) == 1
    assert clock_digest_daily.enqueue().return_value == "already sent today"


def test_a_starting_worker_queues_the_daily_email(settings, staff, sydney):
    """`run_worker` (in credentials) starts the daily email through reports' registration."""
    settings.TASKS = DB_TASKS
    settings.CLOCK_DIGEST_HOUR = 7
    messages = [message.format(when=schedule()) for schedule, message in worker_schedules()]
    assert len(_queued()) == 1
    assert any(message.startswith("30-day clock email to Admins queued") for message in messages)
