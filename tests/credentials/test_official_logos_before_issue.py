"""Placeholder NRT and AQF logos may be previewed, never issued (issue 15, #8; DESIGN rule 4).

Reproduced on main: signed, issued Statements of Attainment and testamurs carried the dashed
"NRT logo placeholder — RTO replaces with official logo" (and AQF) boxes; nothing stopped it,
and Settings had nowhere to upload the official artwork.
"""

from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from testamur.api.services import api_token_create
from testamur.core.uploads import NOT_AN_IMAGE
from testamur.credentials.gates import AQF_LOGO_PLACEHOLDER, NRT_LOGO_PLACEHOLDER
from testamur.credentials.models import Credential, CredentialStatus, GenerationRun, RunKind
from testamur.credentials.rendering.content_check import NRT_PLACEHOLDER_TEXT
from testamur.organisation.models import Organisation
from testamur.organisation.services import PLACEHOLDER_UPLOADED
from tests.api.conftest import ApiClient
from tests.credentials.helpers import completed_offer, generated, issue, requested
from tests.factories import OFFICIAL_NRT_SVG
from tests.organisation.helpers import page_text, png_upload, settings_data, svg_upload

pytestmark = pytest.mark.django_db

ISSUE = "/credentials/issue/"
SOA = "statement_of_attainment"
PLACEHOLDER_SVG = (
    Path(__file__).parents[2] / "src/testamur/credentials/rendering/assets/nrt-logo.svg"
).read_bytes()


def _without_official_logos() -> None:
    organisation = Organisation.load()
    organisation.nrt_logo = organisation.aqf_logo = ""
    organisation.save()


def _generated(actor, capture, credential_type: str) -> Credential:
    credentials = requested(completed_offer(1), credential_type)
    return generated(actor, credentials, capture)[0]


def _pdf_text(field_file) -> str:
    with field_file.open("rb") as handle:
        return " ".join(page.extract_text() for page in PdfReader(handle).pages)


def _unchanged(credential: Credential) -> None:
    credential.refresh_from_db()
    assert (credential.status, credential.number, credential.document.name) == (
        CredentialStatus.GENERATED,
        None,
        "",
    )
    assert not GenerationRun.objects.filter(kind=RunKind.ISSUE).exists()


def test_a_statement_is_not_issued_with_the_placeholder_nrt_logo(
    rto_admin, rto_admin_client, django_capture_on_commit_callbacks
):
    credential = _generated(
        rto_admin, django_capture_on_commit_callbacks, "statement_of_attainment"
    )
    _without_official_logos()
    reason = NRT_LOGO_PLACEHOLDER.format(kind="Statement of Attainment")

    wizard = rto_admin_client.get(ISSUE, {"credential": credential.pk})
    refused = rto_admin_client.post(
        ISSUE,
        {
            "credential": credential.pk,
            "issued_date": timezone.localdate().isoformat(),
            f"revision-{credential.pk}": credential.revision,
        },
    )

    page = page_text(wizard)
    assert reason in page
    assert f'href="{reverse("organisation:settings")}">Open Settings</a>' in page
    assert "0 of 1 selected can be issued" in page
    assert AQF_LOGO_PLACEHOLDER not in page  # a Statement of Attainment carries no AQF logo
    assert reason in page_text(refused)
    _unchanged(credential)


def test_the_placeholder_shows_on_the_credential_page_and_in_the_register(
    rto_admin, rto_admin_client, django_capture_on_commit_callbacks
):
    credential = _generated(
        rto_admin, django_capture_on_commit_callbacks, "statement_of_attainment"
    )
    _without_official_logos()
    reason = NRT_LOGO_PLACEHOLDER.format(kind="Statement of Attainment")

    detail = rto_admin_client.get(reverse("credentials:detail", args=[credential.pk]))
    register = rto_admin_client.get(reverse("credentials:register"))

    for response in (detail, register):
        assert reason in page_text(response)
        assert "Open Settings</a>" in page_text(response)


def test_a_testamur_also_needs_the_official_aqf_logo(rto_admin, django_capture_on_commit_callbacks):
    credential = _generated(rto_admin, django_capture_on_commit_callbacks, "testamur")
    organisation = Organisation.load()
    organisation.aqf_logo = ""
    organisation.save()
    _, secret = api_token_create(user=rto_admin, name="Student system")
    api = ApiClient(rto_admin, secret)

    response = api.post(
        "/runs/issue",
        {
            "credentials": [credential.pk],
            "issued_date": timezone.localdate().isoformat(),
            "final_qualification": True,
        },
    )

    assert response.status_code == 422
    messages = [error["msg"] for error in response.json()["errors"]]
    assert any(AQF_LOGO_PLACEHOLDER in message for message in messages)
    assert not any("NRT logo" in message for message in messages)
    _unchanged(credential)


def test_a_record_of_results_carries_no_nrt_logo_so_it_is_not_held_back(
    rto_admin, rto_admin_client, django_capture_on_commit_callbacks
):
    credential = _generated(rto_admin, django_capture_on_commit_callbacks, "record_of_results")
    _without_official_logos()

    page = page_text(rto_admin_client.get(ISSUE, {"credential": credential.pk}))

    assert "1 of 1 selected can be issued" in page
    assert "still the placeholder" not in page


def test_previews_keep_the_placeholder_marked_as_such(
    rto_admin, rto_admin_client, django_capture_on_commit_callbacks
):
    completed = completed_offer(1)
    _without_official_logos()
    credential = generated(rto_admin, requested(completed), django_capture_on_commit_callbacks)[0]

    text = _pdf_text(credential.draft)

    assert NRT_PLACEHOLDER_TEXT in text
    assert "PREVIEW" in text


def test_uploading_the_official_artwork_in_settings_lets_it_be_issued_without_placeholders(
    rto_admin, owner_client, django_capture_on_commit_callbacks
):
    credential = _generated(rto_admin, django_capture_on_commit_callbacks, "testamur")
    _without_official_logos()
    before = page_text(owner_client.get(reverse("organisation:settings")))
    assert "Placeholder artwork" in before

    response = owner_client.post(
        reverse("organisation:settings"),
        {
            **settings_data(),
            "nrt_logo": svg_upload(OFFICIAL_NRT_SVG, "NRT_Logo_Official.svg"),
            "aqf_logo": png_upload("aqf.png"),
        },
        follow=True,
    )

    after = page_text(response)
    assert "Organisation settings saved." in after
    assert "Placeholder artwork" not in after
    assert reverse("organisation:nrt_logo") in after
    image = owner_client.get(reverse("organisation:aqf_logo"))
    assert (image.status_code, image["Content-Type"]) == (200, "image/png")
    issue_run, _ = issue(
        rto_admin, [credential], django_capture_on_commit_callbacks, final_qualification=True
    )
    assert issue_run.done_count == 1
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.ISSUED
    text = _pdf_text(credential.document)
    assert NRT_PLACEHOLDER_TEXT not in text
    assert "AQF logo placeholder" not in text


@pytest.mark.parametrize(
    "upload,message",
    [
        (svg_upload(PLACEHOLDER_SVG, "nrt-logo.svg"), PLACEHOLDER_UPLOADED.format(name="NRT logo")),
        (svg_upload(b"just some text", "nrt.svg"), NOT_AN_IMAGE),
    ],
)
def test_the_placeholder_or_a_non_image_is_refused_as_official_artwork(
    owner_client, upload, message
):
    _without_official_logos()

    response = owner_client.post(
        reverse("organisation:settings"), {**settings_data(), "nrt_logo": upload}
    )

    assert message in page_text(response)
    assert not Organisation.load().nrt_logo
