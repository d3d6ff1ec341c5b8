"""A template that loops and one that eats memory, rendered at once through the web preview,
the template editor and a generation run: the site keeps answering other pages while they run,
and every render ends as an explained failure."""

import html
import threading
import time
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

import pytest
from django.db import OperationalError, connection
from django.test import Client

from testamur.accounts.roles import Role
from testamur.credentials.credential_templates import template_create
from testamur.credentials.models import Credential, CredentialStatus, RunKind
from testamur.credentials.rendering.bounded import RENDER_TOO_BIG, RENDER_TOO_SLOW
from testamur.credentials.rendering.engine import builtin_source
from testamur.credentials.runs import run_start
from tests.credentials.helpers import completed_offer, requested

pytestmark = pytest.mark.django_db(transaction=True)

SECONDS = 6
MEGABYTES = 512
LOOPS = builtin_source("statement_of_attainment") + (
    "\n#for i in range(100000) { for j in range(100000) { } }\n"
)
EATS = builtin_source("statement_of_attainment") + "\n#let a = range(60000000)\n#a.len()\n"
# Whatever the machine's load, a render is stopped long before this.
GENEROUS = 120


class Browser:
    """A signed-in visitor talking HTTP to the live server."""

    def __init__(self, base: str, user):
        self.host, self.port = urlsplit(base).hostname, urlsplit(base).port
        client = Client()
        client.force_login(user)
        self.cookies = {"sessionid": client.cookies["sessionid"].value}

    def request(self, method: str, path: str, data: dict | None = None):
        connection = HTTPConnection(self.host, self.port, timeout=GENEROUS)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if data is not None:
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        content = html.unescape(response.read().decode(errors="replace"))
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        connection.close()
        return response.status, content


def _wait_until_generating(credential, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if Credential.objects.get(pk=credential.pk).status != CredentialStatus.REQUESTED:
                return
        except OperationalError:
            pass  # the run's own transaction, for a moment
        time.sleep(0.05)
    raise AssertionError("the run never took its credentials")


def test_runaway_templates_fail_with_reasons_while_the_site_answers(
    live_server, make_user, settings
):
    settings.RENDER_TIME_LIMIT_SECONDS = SECONDS
    settings.RENDER_MEMORY_LIMIT_MB = MEGABYTES
    admin = make_user(Role.ADMIN)
    enrolments = completed_offer(2)
    looping, eating = requested(enrolments[:1]), requested(enrolments[1:])
    # Both templates were made active before activation rendered real data.
    looping[0].template.versions.update(source=LOOPS)
    eating[0].template.versions.update(source=EATS)
    draft = template_create(actor=admin, name="Draft in the editor", credential_type="letter")
    browser = Browser(live_server.url, admin)
    browser.request("GET", f"/credentials/templates/{draft.pk}/edit/")  # the CSRF cookie

    finished, outcomes = {}, {}

    def web_preview():
        outcomes["preview"] = browser.request("GET", f"/credentials/{looping[0].pk}/preview/")
        finished["preview"] = time.monotonic()

    def editor():
        outcomes["editor"] = browser.request(
            "POST", f"/credentials/templates/{draft.pk}/preview/", {"source": EATS + LOOPS}
        )
        finished["editor"] = time.monotonic()

    def worker_run():
        try:
            run_start(actor=admin, kind=RunKind.PREVIEW, credentials=looping + eating)
            finished["run"] = time.monotonic()
        finally:
            connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=job) for job in (worker_run, web_preview, editor)]
    # The run first, until it has taken its credentials: on the tests' in-memory SQLite a
    # reader meeting another connection's open write is refused at once ("table is locked"),
    # which a file database (WAL) never does; the race is the test's, not the site's.
    threads[0].start()
    _wait_until_generating(looping[0])
    for thread in threads[1:]:
        thread.start()
    time.sleep(0.5)
    status, page = Browser(live_server.url, admin).request("GET", "/learners/")
    answered = time.monotonic()
    for thread in threads:
        thread.join(GENEROUS)

    assert status == 200
    assert enrolments[0].learner.family_name in page
    assert set(finished) == {"preview", "editor", "run"}
    # The looping renders take the whole time limit; the other page answered long before.
    assert answered < min(finished["preview"], finished["run"]), "the page waited for renders"
    assert max(finished.values()) - started < GENEROUS

    too_slow = RENDER_TOO_SLOW.format(seconds=SECONDS)
    too_big = RENDER_TOO_BIG.format(megabytes=MEGABYTES)
    assert outcomes["preview"][0] == 422
    assert too_slow in outcomes["preview"][1]
    assert too_big in outcomes["editor"][1]
    failed = {c.pk: c for c in Credential.objects.filter(pk__in=[looping[0].pk, eating[0].pk])}
    assert failed[looping[0].pk].status == CredentialStatus.FAILED
    assert too_slow in failed[looping[0].pk].failure_message
    assert failed[eating[0].pk].status == CredentialStatus.FAILED
    assert too_big in failed[eating[0].pk].failure_message
