"""One date printed (issue 15, reproduction 1): the signed document's date of issue is the
issued date recorded, the date the register, the enrolment and the public page show. A
preview of a credential not yet issued shows its intended date, marked as a preview."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from testamur.credentials.models import Credential, CredentialStatus, CredentialTemplate
from testamur.credentials.rendering.content_check import pdf_text
from testamur.credentials.rendering.context import format_date, format_date_long
from tests.credentials.helpers import completed_offer

pytestmark = pytest.mark.django_db

INTENDED = date(2031, 6, 30)


@pytest.fixture
def enrolment():
    return completed_offer(1)[0]


def _request_testamur(client, enrolment) -> Credential:
    template = CredentialTemplate.objects.get(is_builtin=True, credential_type="testamur")
    response = client.post(
        reverse("credentials:request", args=[enrolment.pk]),
        {"template": template.pk, "credential_date": INTENDED.isoformat()},
    )
    assert response.status_code == 302, response.content.decode()
    return Credential.objects.get(course_enrolment=enrolment)


def _generate(client, credential, capture) -> None:
    with capture(execute=True):
        client.post(
            reverse("credentials:regenerate", args=[credential.pk]),
            {"revision": credential.revision},
        )


def test_the_signed_document_prints_the_issued_date_everyone_else_shows(
    rto_admin_client, enrolment, django_capture_on_commit_callbacks, client
):
    issued_on = timezone.localdate() - timedelta(days=2)
    credential = _request_testamur(rto_admin_client, enrolment)
    _generate(rto_admin_client, credential, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        rto_admin_client.post(
            reverse("credentials:issue"),
            {
                "credential": [credential.pk],
                "final_qualification": "yes",
                "issued_date": issued_on.isoformat(),
            },
        )

    credential.refresh_from_db()
    assert credential.status == CredentialStatus.ISSUED
    with credential.document.open("rb") as handle:
        printed = pdf_text(handle.read())
    assert format_date_long(issued_on) in printed
    assert format_date_long(INTENDED) not in printed
    assert "preview" not in printed.lower()
    # The register, the course enrolment and the public page say the same date.
    register = rto_admin_client.get(reverse("credentials:register")).content.decode()
    assert format_date(issued_on) in register
    enrolment.refresh_from_db()
    assert enrolment.issued_date == issued_on
    public = client.get(reverse("verification:verify", args=[credential.verification_code]))
    assert f"Issue date</dt><dd>{format_date(issued_on)}" in public.content.decode()


def test_a_preview_shows_the_intended_date_marked_as_a_preview(rto_admin_client, enrolment):
    credential = _request_testamur(rto_admin_client, enrolment)

    response = rto_admin_client.get(reverse("credentials:preview", args=[credential.pk]))

    shown = pdf_text(b"".join([response.content]))
    assert format_date_long(INTENDED) in shown
    assert "(intended date: preview)" in shown
