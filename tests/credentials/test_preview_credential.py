"""Preview: a credential not generated yet is generated first; a generated one shows its draft
(issue 18: the preview used to show a document but change nothing, so a user who previewed and
then issued was stuck)."""

import pytest
from django.urls import reverse

from testamur.credentials.models import Credential, CredentialStatus, GenerationRun, RunKind
from tests.credentials.helpers import completed_offer, requested

pytestmark = pytest.mark.django_db


def test_preview_of_a_requested_credential_generates_it_then_shows_its_draft(rto_user_client):
    (credential,) = requested(completed_offer(1))
    url = reverse("credentials:preview", args=[credential.pk])

    first = rto_user_client.get(url)

    assert first.status_code == 200 and first["Content-Type"] == "application/pdf"
    first_pdf = b"".join(first.streaming_content)
    assert first_pdf.startswith(b"%PDF")
    credential = Credential.objects.get(pk=credential.pk)
    assert credential.status == CredentialStatus.GENERATED
    assert credential.draft
    assert GenerationRun.objects.get().kind == RunKind.GENERATE
    again = rto_user_client.get(url)
    assert b"".join(again.streaming_content) == first_pdf  # the stored draft, not a new one
    assert GenerationRun.objects.count() == 1


def test_the_register_opens_previews_in_a_new_tab(rto_user_client):
    (credential,) = requested(completed_offer(1))
    page = rto_user_client.get(reverse("credentials:register")).content.decode()
    url = reverse("credentials:preview", args=[credential.pk])
    assert f'<a href="{url}" target="_blank" rel="noopener">Preview</a>' in page


def test_a_generating_row_polls_until_it_awaits_issue(rto_user, rto_user_client):
    from testamur.credentials.runs import run_process_chunk, run_start

    (credential,) = requested(completed_offer(1))
    run, _ = run_start(actor=rto_user, kind=RunKind.GENERATE, credentials=[credential])
    status_url = reverse("credentials:row_status", args=[credential.pk])

    register = rto_user_client.get(reverse("credentials:register")).content.decode()
    assert f'hx-get="{status_url}" hx-trigger="every 2s"' in register
    polling = rto_user_client.get(status_url)
    assert "Generating" in polling.content.decode() and "HX-Refresh" not in polling

    run_process_chunk(run.pk, 0)

    done = rto_user_client.get(status_url)
    assert "Generated (awaiting issue)" in done.content.decode()
    assert "hx-get" not in done.content.decode()
    assert done["HX-Refresh"] == "true"
