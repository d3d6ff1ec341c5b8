"""Settings > Register integrity: the Owner sees the last check and the signed checkpoints, and
checks the register or signs a checkpoint now."""

import json

import pytest
from django.urls import reverse

from testamur.core import views
from testamur.core.checkpoints import checkpoint_latest
from testamur.core.models import EventLogVerification, VerificationOutcome
from testamur.credentials.models import CredentialStatus
from testamur.reports.integrity import PROBLEMS_SUBJECT
from tests.factories import credential_make
from tests.tampering import sql_past_the_guards

pytestmark = pytest.mark.django_db

PAGE = "/settings/integrity/"


def _post(client, capture, url):
    with capture(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    return client.get(response["Location"]).content.decode()


def test_the_owner_finds_it_in_settings(owner_client):
    settings_page = owner_client.get(reverse("organisation:settings")).content.decode()
    assert f'href="{PAGE}"' in settings_page

    page = owner_client.get(PAGE).content.decode()

    assert "Never checked" in page
    assert "No checkpoint yet" in page
    assert "Public key" in page


def test_admins_and_users_do_not_see_it(rto_admin_client, rto_user_client):
    for client in (rto_admin_client, rto_user_client):
        assert client.get(PAGE).status_code == 403
        assert f'href="{PAGE}"' not in client.get("/").content.decode()


def test_signing_a_checkpoint_now_shows_it_and_emails_the_owners(
    owner, owner_client, smtp_server, django_capture_on_commit_callbacks
):
    page = _post(
        owner_client, django_capture_on_commit_callbacks, reverse("core:integrity_checkpoint")
    )

    checkpoint = checkpoint_latest()
    done = f"{checkpoint.events} events signed in {checkpoint.path.name}"
    assert views.CHECKPOINT_DONE.format(result=done) in page
    assert checkpoint.head_hash in page
    assert f"Sent</span> to {owner.email}" in page
    assert [mail.rcpt_tos for mail in smtp_server.received] == [[owner.email]]
    download = owner_client.get(reverse("core:checkpoint_file", args=[checkpoint.path.name]))
    assert json.loads(b"".join(download.streaming_content)) == json.loads(
        checkpoint.path.read_text()
    )


def test_checking_now_shows_an_intact_register(owner_client, django_capture_on_commit_callbacks):
    credential_make()

    page = _post(owner_client, django_capture_on_commit_callbacks, reverse("core:integrity_verify"))

    assert views.VERIFY_QUEUED in page
    verification = EventLogVerification.objects.get()
    assert verification.outcome == VerificationOutcome.INTACT
    assert "Intact" in page
    assert "1 credentials in the register agree with their events." in page


def test_checking_now_names_what_was_tampered_with_and_tells_the_owners(
    owner, owner_client, smtp_server, django_capture_on_commit_callbacks
):
    credential = credential_make()
    sql_past_the_guards(
        "UPDATE credentials_credential SET status = 'generated' WHERE id = %s", [credential.pk]
    )

    page = _post(owner_client, django_capture_on_commit_callbacks, reverse("core:integrity_verify"))

    assert "Problems found" in page
    assert (
        f"Credential id {credential.pk} is {CredentialStatus.GENERATED.label} in the register, "
        "but the log says requested"
    ) in page
    (mail,) = smtp_server.received
    assert mail.rcpt_tos == [owner.email]
    assert mail.message["Subject"].startswith(PROBLEMS_SUBJECT.split("{count}")[0] + "1 problem")


def test_a_check_in_progress_updates_by_itself(owner, owner_client):
    verification = EventLogVerification.objects.create(requested_by=owner)

    page = owner_client.get(PAGE).content.decode()

    assert "Queued" in page
    assert f'hx-get="{reverse("core:integrity_progress", args=[verification.pk])}"' in page
    response = owner_client.post(reverse("core:integrity_verify"), follow=True)
    assert views.VERIFY_ALREADY in response.content.decode()
    assert EventLogVerification.objects.count() == 1
    fragment = owner_client.get(reverse("core:integrity_progress", args=[verification.pk]))
    assert "Queued" in fragment.content.decode()


@pytest.mark.parametrize("name", ["secret.json", "event-log-1.json", "..%2Fevent-log-key.pem"])
def test_only_checkpoint_files_can_be_downloaded(owner_client, name):
    assert owner_client.get(f"{PAGE}checkpoints/{name}").status_code == 404
