"""Every way a verification with the registry can fail ends with a clear message on the page and
a recorded result; the learner stays as it was and nothing is half written."""

import html
import socket
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from testamur.learners.models import Learner, UsiStatus, UsiVerification, UsiVerificationJob
from testamur.learners.usi_registry import config, keystore
from testamur.learners.usi_registry.messages import fault_envelope
from testamur.learners.usi_registry.services import usi_job_prepare, usi_job_start
from testamur.learners.usi_registry.simulator.pki import keystore_write, simulator_keys_new
from testamur.learners.usi_registry.xmlns import serialise
from tests.factories import learner_make
from tests.usi_registry import ABN, KEYSTORE_PASSWORD

pytestmark = pytest.mark.django_db

BORN = date(1990, 6, 30)


@pytest.fixture
def learner(usi_registry):
    """A learner already verified by hand: a failure must leave it verified."""
    learner = learner_make(given_name="Noah", family_name="Tan", date_of_birth=BORN)
    usi_registry.knows(learner)
    return learner


def _verify(client, learner) -> str:
    response = client.post(reverse("learners:registry_verify", args=[learner.pk]), follow=True)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def _assert_unchanged_with_error(learner, page: str, expected: str) -> None:
    before = (learner.usi_status, learner.usi_verified_on, learner.usi_evidence)
    learner.refresh_from_db()
    assert (learner.usi_status, learner.usi_verified_on, learner.usi_evidence) == before
    check = UsiVerification.objects.get(learner=learner)
    assert check.result == "error" and not check.applied
    assert expected in check.error
    assert expected in page


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_registry_down(usi_registry, learner, rto_admin_client, settings):
    settings.USI_SIMULATOR_URL = f"http://127.0.0.1:{_closed_port()}"
    page = _verify(rto_admin_client, learner)
    _assert_unchanged_with_error(learner, page, "could not be reached")
    assert "try again later" in page


def test_registry_too_slow(usi_registry, learner, rto_admin_client, settings):
    settings.USI_TIMEOUT = 0.5
    usi_registry.simulator.delay_seconds = 1.5
    page = _verify(rto_admin_client, learner)
    _assert_unchanged_with_error(learner, page, "did not answer within 0.5 seconds")


def test_expired_machine_credential(usi_registry, learner, rto_admin_client, settings, tmp_path):
    expired = tmp_path / "expired.xml"
    keystore_write(
        expired,
        keys=usi_registry.keys,
        abn=ABN,
        password=KEYSTORE_PASSWORD,
        not_before=datetime(2024, 1, 1, tzinfo=UTC),
        not_after=datetime(2025, 3, 31, tzinfo=UTC),
    )
    settings.USI_KEYSTORE_PATH = str(expired)
    page = _verify(rto_admin_client, learner)
    _assert_unchanged_with_error(learner, page, "The machine credential expired on 31/03/2025")
    assert usi_registry.simulator.received == []


def test_wrong_keystore_password(usi_registry, learner, rto_admin_client, settings):
    settings.USI_KEYSTORE_PASSWORD = "not-the-password"
    page = _verify(rto_admin_client, learner)
    _assert_unchanged_with_error(learner, page, keystore.KEYSTORE_LOCKED)


def test_a_file_that_is_not_a_keystore(usi_registry, learner, rto_admin_client, settings, tmp_path):
    bad = tmp_path / "keystore.xml"
    bad.write_text("-----BEGIN CERTIFICATE-----\nnot a credential store\n")
    settings.USI_KEYSTORE_PATH = str(bad)
    page = _verify(rto_admin_client, learner)
    _assert_unchanged_with_error(learner, page, "is not a credential store")


def test_a_missing_keystore_file(usi_registry, learner, rto_admin_client, settings, tmp_path):
    settings.USI_KEYSTORE_PATH = str(tmp_path / "nowhere.xml")
    page = _verify(rto_admin_client, learner)
    _assert_unchanged_with_error(learner, page, "cannot be read. Check USI_KEYSTORE_PATH")


def test_an_unknown_credential_alias_lists_the_ones_in_the_file(
    usi_registry, learner, rto_admin_client, settings
):
    settings.USI_KEYSTORE_ALIAS = "ABRD:00000000000_Other"
    page = _verify(rto_admin_client, learner)
    _assert_unchanged_with_error(learner, page, f"ABRD:{ABN}_USIMachine")


def test_token_service_refuses_software_not_authorised_for_the_organisation(
    usi_registry, learner, rto_admin_client
):
    usi_registry.simulator.authorised_abns = {"11000002568"}
    page = _verify(rto_admin_client, learner)
    _assert_unchanged_with_error(learner, page, "(E2003)")
    assert "Relationship Authorisation Manager" in page


def test_clock_skew_is_explained(usi_registry, learner, rto_admin_client):
    # The services' clock is ten minutes behind this server's.
    usi_registry.simulator.clock = lambda: datetime.now(UTC) - timedelta(minutes=10)
    page = _verify(rto_admin_client, learner)
    _assert_unchanged_with_error(learner, page, "refused the request's time stamp")
    assert "Check that this server's clock is right" in page


def test_soap_fault_from_the_registry(usi_registry, learner, rto_admin_client):
    fault = fault_envelope(
        code="Receiver",
        subcode="a:InternalServiceFault",
        reason="The service is closed for maintenance.",
        details=[("E9999", "Try again after 6 pm AEST")],
    )
    usi_registry.simulator.reply_override = serialise(fault)
    usi_registry.simulator.reply_status = "500 Internal Server Error"
    page = _verify(rto_admin_client, learner)
    _assert_unchanged_with_error(
        learner, page, "refused the request: The service is closed for maintenance."
    )
    assert "Try again after 6 pm AEST" in page


@pytest.mark.parametrize(
    "reply",
    [b"<html><body>Gateway error</body></html>", b"\x00 not xml at all", b"<s:Envelope/>"],
)
def test_malformed_reply(usi_registry, learner, rto_admin_client, reply):
    usi_registry.simulator.reply_override = reply
    page = _verify(rto_admin_client, learner)
    _assert_unchanged_with_error(learner, page, "reply could not be read")


def test_http_error_without_a_soap_fault(usi_registry, learner, rto_admin_client):
    usi_registry.simulator.reply_override = b"Service Unavailable"
    usi_registry.simulator.reply_status = "503 Service Unavailable"
    page = _verify(rto_admin_client, learner)
    _assert_unchanged_with_error(learner, page, "(HTTP 503)")


def test_not_set_up(learner, rto_admin_client, settings):
    settings.USI_REGISTRY = ""
    page = _verify(rto_admin_client, learner)
    _assert_unchanged_with_error(learner, page, config.NOT_CONFIGURED)


def test_a_failing_registry_stops_a_bulk_job_and_records_every_learner_not_sent(
    usi_registry, rto_admin, rto_admin_client, django_capture_on_commit_callbacks
):
    learners = [
        learner_make(
            given_name="Zoe",
            family_name=f"Batch{n:03d}",
            date_of_birth=BORN,
            usi_status=UsiStatus.NOT_VERIFIED,
        )
        for n in range(250)
    ]
    for learner in learners:
        usi_registry.knows(learner)
    # The first batch is answered, then the registry answers garbage.
    usi_registry.simulator.override_after_calls = 1
    usi_registry.simulator.reply_override = b"<html>Bad gateway</html>"

    job = usi_job_prepare(actor=rto_admin, learner_ids=[x.pk for x in learners], source="Test")
    with django_capture_on_commit_callbacks(execute=True):
        usi_job_start(job=job, actor=rto_admin)

    job = UsiVerificationJob.objects.get(pk=job.pk)
    assert job.status == "failed" and "reply could not be read" in job.message
    assert (job.verified_count, job.error_count) == (100, 150)
    assert UsiVerification.objects.filter(job=job, result="error").count() == 150
    assert UsiVerification.objects.filter(job=job, result="verified").count() == 100
    sent_after_failure = usi_registry.simulator.calls[1:]
    assert sent_after_failure == []  # nothing after the failed batch was sent
    not_sent = Learner.objects.filter(pk__in=[x.pk for x in learners[100:]])
    assert {learner.usi_status for learner in not_sent} == {UsiStatus.NOT_VERIFIED}
    page = html.unescape(
        rto_admin_client.get(reverse("learners:usi_job", args=[job.pk])).content.decode()
    )
    assert "Stopped: nothing more sent" in page and "reply could not be read" in page


def test_a_cached_token_the_registry_refuses_is_replaced(usi_registry, learner, rto_admin_client):
    _verify(rto_admin_client, learner)
    assert usi_registry.simulator.tokens_issued == 1
    # The registry changes its key: the token the client holds can no longer be read.
    fresh = simulator_keys_new()
    usi_registry.simulator.keys = replace(
        usi_registry.keys, service_key=fresh.service_key, service=fresh.service
    )

    _verify(rto_admin_client, learner)

    assert usi_registry.simulator.tokens_issued == 2
    latest = learner.usi_verifications.order_by("-id").first()
    assert latest.result == "verified"
