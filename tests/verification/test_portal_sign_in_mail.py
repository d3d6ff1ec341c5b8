"""Asking for a portal sign-in link: the page answers the same way, as fast, for any address;
the link is emailed by the background worker, never while the visitor waits."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from testamur.verification.tasks import send_portal_link
from tests.factories import learner_make
from tests.verification.helpers import without_csrf

pytestmark = pytest.mark.django_db

KNOWN = "mia.nguyen@example.com"
UNKNOWN = "nobody@example.com"


@pytest.fixture
def queued_tasks(settings):
    """Tasks wait in the database queue for a worker, as in production."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }


def _ask(email):
    return Client().post(reverse("verification:portal_start"), {"email": email})


def test_the_answer_does_not_depend_on_the_address_and_sends_nothing_itself(queued_tasks):
    learner_make(given_name="Mia", family_name="Nguyen", email=KNOWN)

    known, unknown = _ask(KNOWN), _ask(UNKNOWN)

    assert known.status_code == unknown.status_code == 200
    assert without_csrf(known.content.replace(KNOWN.encode(), b"")) == without_csrf(
        unknown.content.replace(UNKNOWN.encode(), b"")
    )
    assert mail.outbox == []
    queued = DBTaskResult.objects.order_by("enqueued_at")
    assert [(t.task_path, t.args_kwargs["kwargs"]) for t in queued] == [
        ("testamur.verification.tasks.send_portal_link", {"email": KNOWN}),
        ("testamur.verification.tasks.send_portal_link", {"email": UNKNOWN}),
    ]


def test_the_worker_emails_the_link_to_a_known_learner_only():
    learner_make(given_name="Mia", family_name="Nguyen", email=KNOWN)

    send_portal_link.call(email=UNKNOWN)
    assert mail.outbox == []
    send_portal_link.call(email=KNOWN)

    assert [message.to for message in mail.outbox] == [[KNOWN]]
    assert "/portal/sign-in/" in mail.outbox[0].body
