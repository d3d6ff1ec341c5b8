"""Stored files (issued documents, drafts, run files, imports, logos, signatures, template
artwork) are private: no address serves them straight from storage, not even under DEBUG; their
names cannot be guessed; the views that serve them check who asks and keep them out of caches."""

import re

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client

from testamur.accounts.roles import Role
from testamur.core.downloads import IMAGE_POLICY
from testamur.core.storage import UnguessableName
from testamur.credentials.models import Credential, TemplateAsset
from testamur.interchange.models import ImportJob
from testamur.organisation.models import Organisation, Signatory
from tests.credentials.helpers import completed_offer, generated, issue, requested
from tests.factories import SAMPLE_SVG

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored(rto_admin, django_capture_on_commit_callbacks, owner_client):
    credentials = generated(
        rto_admin, requested(completed_offer(2)), django_capture_on_commit_callbacks
    )
    run, _ = issue(rto_admin, credentials[:1], django_capture_on_commit_callbacks, mail_merge=True)
    owner_client.post(
        "/import/",
        {
            "upload": "spreadsheet",
            "sheet-kind": "learners",
            "sheet-file": SimpleUploadedFile(
                "learners.csv", b"Client ID,USI,Date of birth\nC1,BNGH7C75FN,01/02/2000\n"
            ),
        },
    )
    signatory = Signatory.objects.get()
    signatory.signature.save("signature.svg", ContentFile(SAMPLE_SVG))
    asset = TemplateAsset(version=credentials[0].template.versions.get(), name="art.svg")
    asset.file.save("art.svg", ContentFile(SAMPLE_SVG))
    return {
        "issued": Credential.objects.get(pk=credentials[0].pk),
        "draft": Credential.objects.get(pk=credentials[1].pk),
        "run": run,
    }


def _names(stored) -> list[str]:
    organisation = Organisation.load()
    return [
        stored["issued"].document.name,
        stored["draft"].draft.name,
        stored["run"].combined_pdf.name,
        stored["run"].mail_merge.name,
        organisation.logo.name,
        Signatory.objects.get().signature.name,
        TemplateAsset.objects.get().file.name,
        *(j.file.name for j in ImportJob.objects.all()),
    ]


def test_no_stored_file_is_served_from_storage_even_under_debug(stored, urls_rebuilt, make_user):
    urls_rebuilt(DEBUG=True)
    staff = Client()
    staff.force_login(make_user(Role.OWNER))
    for name in [*_names(stored), "credentials/issued/HCT-000001.pdf"]:
        for client in (Client(), staff):
            assert client.get(f"/media/{name}").status_code == 404, name


def test_stored_names_hold_a_random_part(stored):
    for name in _names(stored):
        assert re.fullmatch(r"[a-z/-]+/[0-9a-f]{32}-[^/]+", name), name


def test_every_file_field_is_given_an_unguessable_name():
    fields = [
        f"{model.__name__}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField) and not isinstance(field.upload_to, UnguessableName)
    ]
    assert fields == []


def _downloads(stored) -> dict[str, str]:
    issued, draft, run = stored["issued"], stored["draft"], stored["run"]
    return {
        "issued document": f"/credentials/{issued.pk}/reprint/",
        "draft": f"/credentials/{draft.pk}/draft/",
        "print version": f"/credentials/runs/{run.pk}/file/?which=combined",
        "mail merge": f"/credentials/runs/{run.pk}/file/?which=mail_merge",
        "logo": "/settings/logo/",
        "signature": f"/settings/signatories/{Signatory.objects.get().pk}/signature/",
        "template file": f"/credentials/templates/files/{TemplateAsset.objects.get().pk}/",
    }


def test_every_file_view_asks_who_you_are_and_keeps_the_file_out_of_caches(stored, owner_client):
    for what, url in _downloads(stored).items():
        anonymous = Client().get(url)
        assert anonymous.status_code == 302, what
        assert anonymous["Location"].startswith("/login/"), what

        served = owner_client.get(url)
        assert served.status_code == 200, what
        assert served["Cache-Control"] == "no-store", what
        assert served["X-Content-Type-Options"] == "nosniff", what
        if served["Content-Type"].startswith("image/"):
            assert served["Content-Security-Policy"] == IMAGE_POLICY, what
        else:
            assert served["Content-Disposition"].startswith(("inline;", "attachment;")), what


def test_an_uploaded_svg_opened_on_its_own_cannot_run_script(owner_client):
    organisation = Organisation.load()
    organisation.logo.save("logo.svg", SimpleUploadedFile("logo.svg", SAMPLE_SVG), save=True)

    served = owner_client.get("/settings/logo/")

    assert served["Content-Type"] == "image/svg+xml"
    assert "sandbox" in served["Content-Security-Policy"].split("; ")
