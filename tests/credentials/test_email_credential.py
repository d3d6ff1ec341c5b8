"""Emailing issued credentials to learners, through a real SMTP server started by the test."""

import hashlib

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from testamur.credentials.emailing import (
    DOCUMENT_CHANGED,
    NO_LEARNER_EMAIL,
    ONLY_ISSUED_EMAILED,
    UNKNOWN_PLACEHOLDERS,
    credential_emails_send,
)
from testamur.credentials.models import (
    Credential,
    CredentialEmail,
    CredentialEmailTemplate,
    EmailStatus,
)
from testamur.organisation.models import Organisation
from tests.credentials.helpers import completed_offer, generated, issue, requested
from tests.mailserver import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(rto_admin, django_capture_on_commit_callbacks):
    """Issue n Statements of Attainment (signed, stored) for learners of one offer."""

    def make(n: int = 1) -> list[Credential]:
        credentials = requested(completed_offer(n))
        credentials = generated(rto_admin, credentials, django_capture_on_commit_callbacks)
        issue(rto_admin, credentials, django_capture_on_commit_callbacks)
        return list(
            Credential.objects.select_related("learner")
            .filter(pk__in=[c.pk for c in credentials])
            .order_by("pk")
        )

    return make


def _stored(credential: Credential) -> bytes:
    with credential.document.open("rb") as handle:
        return handle.read()


def _post(client, capture, url, data=None):
    with capture(execute=True):
        response = client.post(url, data or {})
    assert response.status_code == 302, response.content[:500]
    return client.get(response["Location"])


def test_an_admin_emails_an_issued_credential_with_its_signed_pdf(
    rto_admin_client, issued, smtp_server, django_capture_on_commit_callbacks
):
    (credential,) = issued(1)

    page = _post(
        rto_admin_client,
        django_capture_on_commit_callbacks,
        reverse("credentials:email", args=[credential.pk]),
    ).content.decode()

    assert "1 queued to email." in page
    (received,) = smtp_server.received
    learner = credential.learner
    assert received.rcpt_tos == [learner.email]
    message = received.message
    assert message["To"] == learner.email
    assert message["Subject"] == (
        f"Your Statement of Attainment {credential.number} from Harbour City Training"
    )
    assert "credentials@harbourcity.example" in message["From"]
    assert "Harbour City Training" in message["From"]
    body = message.get_body(("plain",)).get_content()
    assert f"Dear {learner.given_name}," in body
    assert credential.number in body
    (attachment,) = received.attachments()
    assert attachment[0] == f"{credential.number}.pdf"
    assert attachment[1] == "application/pdf"
    assert attachment[2] == _stored(credential)
    assert hashlib.sha256(attachment[2]).hexdigest() == credential.document_sha256

    email = CredentialEmail.objects.get(credential=credential)
    assert email.status == EmailStatus.SENT
    assert email.to == learner.email
    assert email.message_id == message["Message-ID"]
    assert email.document_sha256 == credential.document_sha256
    detail = rto_admin_client.get(reverse("credentials:detail", args=[credential.pk]))
    text = detail.content.decode()
    assert "Emails to the learner" in text
    assert ">Sent</span>" in text
    assert email.message_id.strip("<>") in text
    assert "Emailed to the learner" in text  # in the history


def test_bulk_email_from_the_register_skips_learners_without_email_and_unissued(
    rto_admin, rto_admin_client, issued, smtp_server, django_capture_on_commit_callbacks
):
    first, second, no_email = issued(3)
    no_email.learner.email = ""
    no_email.learner.save()
    not_issued = requested(completed_offer(1, code="CHC33021"))[0]
    chosen = [first, second, no_email, not_issued]

    page = _post(
        rto_admin_client,
        django_capture_on_commit_callbacks,
        reverse("credentials:bulk"),
        {"action": "email", "credential": [c.pk for c in chosen], "next": "/credentials/"},
    ).content.decode()

    assert "2 queued to email, 2 skipped" in page
    assert NO_LEARNER_EMAIL.replace("'", "&#x27;") in page
    assert ONLY_ISSUED_EMAILED.format(status="Requested") in page
    assert sorted(r.rcpt_tos[0] for r in smtp_server.received) == sorted(
        [first.learner.email, second.learner.email]
    )
    skipped = CredentialEmail.objects.get(credential=no_email)
    assert (skipped.status, skipped.error) == (EmailStatus.SKIPPED, NO_LEARNER_EMAIL)
    assert not CredentialEmail.objects.filter(credential=not_issued).exists()
    detail = rto_admin_client.get(reverse("credentials:detail", args=[no_email.pk])).content
    assert b">Skipped</span>" in detail


def test_mail_server_down_marks_the_send_failed_and_sending_again_delivers_it(
    settings, rto_admin_client, issued, smtp_server, django_capture_on_commit_callbacks
):
    (credential,) = issued(1)
    live_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nothing listens there: the server is "down"

    _post(
        rto_admin_client,
        django_capture_on_commit_callbacks,
        reverse("credentials:email", args=[credential.pk]),
    )

    failed = CredentialEmail.objects.get(credential=credential)
    assert failed.status == EmailStatus.FAILED
    assert "ConnectionRefusedError" in failed.error
    assert smtp_server.received == []
    detail = rto_admin_client.get(reverse("credentials:detail", args=[credential.pk]))
    assert "ConnectionRefusedError" in detail.content.decode()
    assert "Send again" in detail.content.decode()
    home = rto_admin_client.get("/").content.decode()
    assert "1 credential email failed" in home

    settings.EMAIL_PORT = live_port  # the server is back
    _post(
        rto_admin_client,
        django_capture_on_commit_callbacks,
        reverse("credentials:email_resend", args=[failed.pk]),
    )

    (received,) = smtp_server.received
    assert received.attachments()[0][2] == _stored(credential)
    sends = list(CredentialEmail.objects.filter(credential=credential).order_by("pk"))
    assert [s.status for s in sends] == [EmailStatus.FAILED, EmailStatus.SENT]
    assert "credential email failed" not in rto_admin_client.get("/").content.decode()


def test_send_all_failed_again_after_an_outage(
    settings, rto_admin_client, issued, smtp_server, django_capture_on_commit_callbacks
):
    credentials = issued(3)
    live_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()
    _post(
        rto_admin_client,
        django_capture_on_commit_callbacks,
        reverse("credentials:bulk"),
        {"action": "email", "credential": [c.pk for c in credentials]},
    )
    page = rto_admin_client.get(reverse("credentials:email_list")).content.decode()
    assert "Send the 3 failed again" in page

    settings.EMAIL_PORT = live_port
    page = _post(
        rto_admin_client,
        django_capture_on_commit_callbacks,
        reverse("credentials:email_resend_failed"),
    ).content.decode()

    assert "3 queued to email." in page
    assert len(smtp_server.received) == 3
    assert "failed again" not in page


def test_a_refused_recipient_is_recorded_with_the_servers_words(
    rto_admin_client, issued, smtp_server, django_capture_on_commit_callbacks
):
    refused, accepted = issued(2)
    smtp_server.refuse.add(refused.learner.email)

    _post(
        rto_admin_client,
        django_capture_on_commit_callbacks,
        reverse("credentials:bulk"),
        {"action": "email", "credential": [refused.pk, accepted.pk]},
    )

    failed = CredentialEmail.objects.get(credential=refused)
    assert failed.status == EmailStatus.FAILED
    assert "Mailbox unavailable" in failed.error
    assert CredentialEmail.objects.get(credential=accepted).status == EmailStatus.SENT
    assert [r.rcpt_tos for r in smtp_server.received] == [[accepted.learner.email]]


def test_the_edited_template_is_what_learners_receive(
    rto_admin_client, issued, smtp_server, django_capture_on_commit_callbacks
):
    (credential,) = issued(1)
    response = rto_admin_client.post(
        reverse("credentials:email_template"),
        {
            "subject": "{rto_name}: {credential_number} for {learner_name}",
            "body": "Hi {learner_given_name}, your {course} results are attached. {not_a_thing}",
        },
    )
    assert response.status_code == 200
    assert UNKNOWN_PLACEHOLDERS.format(names="{not_a_thing}") in response.content.decode()
    assert CredentialEmailTemplate.load().subject.startswith("Your ")  # nothing saved

    response = rto_admin_client.post(
        reverse("credentials:email_template"),
        {
            "subject": "{rto_name}: {credential_number} for {learner_name}",
            "body": "Hi {learner_given_name}, your {course} results are attached. Ref {A-1}",
        },
    )
    assert response.status_code == 302
    _post(
        rto_admin_client,
        django_capture_on_commit_callbacks,
        reverse("credentials:email", args=[credential.pk]),
    )

    message = smtp_server.received[0].message
    learner = credential.learner
    assert message["Subject"] == (
        f"Harbour City Training: {credential.number} for {learner.given_name} {learner.family_name}"
    )
    body = message.get_body(("plain",)).get_content()
    course = credential.course_enrolment.offer.course
    assert body.startswith(f"Hi {learner.given_name}, your {course.code} {course.title} results")
    assert body.rstrip().endswith("Ref {A-1}")  # braces that are no placeholder stay as written


def test_without_an_rto_email_the_deployment_address_is_the_sender(
    settings, rto_admin_client, issued, smtp_server, django_capture_on_commit_callbacks
):
    settings.DEFAULT_FROM_EMAIL = "no-reply@testamur.example"
    (credential,) = issued(1)
    Organisation.objects.filter(id=1).update(email="")

    _post(
        rto_admin_client,
        django_capture_on_commit_callbacks,
        reverse("credentials:email", args=[credential.pk]),
    )

    (received,) = smtp_server.received
    assert received.mail_from == "no-reply@testamur.example"


def test_a_stored_document_changed_since_issue_is_not_sent(
    rto_admin_client, issued, smtp_server, django_capture_on_commit_callbacks
):
    (credential,) = issued(1)
    credential.document.storage.delete(credential.document.name)
    credential.document.storage.save(credential.document.name, ContentFile(b"%PDF-1.7 forged"))

    _post(
        rto_admin_client,
        django_capture_on_commit_callbacks,
        reverse("credentials:email", args=[credential.pk]),
    )

    email = CredentialEmail.objects.get(credential=credential)
    assert (email.status, email.error) == (EmailStatus.SKIPPED, DOCUMENT_CHANGED)
    assert smtp_server.received == []


def test_a_send_is_made_once_even_if_its_task_runs_twice(
    rto_admin_client, issued, smtp_server, django_capture_on_commit_callbacks
):
    (credential,) = issued(1)
    _post(
        rto_admin_client,
        django_capture_on_commit_callbacks,
        reverse("credentials:email", args=[credential.pk]),
    )
    email = CredentialEmail.objects.get(credential=credential)

    assert credential_emails_send([email.pk]) == {"sent": 0, "failed": 0, "skipped": 0}
    assert len(smtp_server.received) == 1


def test_only_admins_and_owners_email_or_edit_the_template(
    rto_user_client, issued, smtp_server, django_capture_on_commit_callbacks
):
    (credential,) = issued(1)
    with django_capture_on_commit_callbacks(execute=True):
        response = rto_user_client.post(reverse("credentials:email", args=[credential.pk]))
    assert response.status_code == 403
    assert rto_user_client.get(reverse("credentials:email_template")).status_code == 403
    detail = rto_user_client.get(reverse("credentials:detail", args=[credential.pk]))
    assert b"Email to learner" not in detail.content
    assert smtp_server.received == []
    assert not CredentialEmail.objects.exists()


def test_a_credential_that_is_not_issued_cannot_be_emailed(
    rto_admin_client, smtp_server, django_capture_on_commit_callbacks
):
    credential = requested(completed_offer(1))[0]

    page = _post(
        rto_admin_client,
        django_capture_on_commit_callbacks,
        reverse("credentials:email", args=[credential.pk]),
    ).content.decode()

    assert ONLY_ISSUED_EMAILED.format(status="Requested") in page
    assert not CredentialEmail.objects.exists()
    assert smtp_server.received == []


def test_the_email_says_what_was_issued_after_the_learner_is_renamed(
    rto_admin_client, issued, smtp_server, django_capture_on_commit_callbacks
):
    (credential,) = issued(1)
    printed_name = credential.learner.given_name
    credential.learner.given_name = "Renamed"
    credential.learner.save()

    _post(
        rto_admin_client,
        django_capture_on_commit_callbacks,
        reverse("credentials:email", args=[credential.pk]),
    )

    (received,) = smtp_server.received
    body = received.message.get_body(("plain",)).get_content()
    assert f"Dear {printed_name}," in body
    assert "Renamed" not in body
    assert credential.issued_on.strftime("%d/%m/%Y") in body
