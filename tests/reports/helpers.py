"""Register entries in a chosen state, for tests of read-only reports.

Requested through the service like any credential, then moved to the wanted state by a direct
update: the reports only read what the register holds, and rendering and signing hundreds of
documents would test the issue path again, not the report. An issued (or since cancelled)
entry gets the issuance record the issue path would have frozen, as the register reads it.
"""

from datetime import date, timedelta
from urllib.parse import urlencode

from django.test import TestCase

from testamur.credentials.models import Credential, CredentialStatus
from testamur.reports.services import rto_today
from tests.factories import (
    course_make,
    credential_make,
    enrolment_make,
    issuance_record_make,
    learner_make,
    offer_make,
    organisation_configured,
)


def offer_ending_today(*, days: int):
    """A configured RTO and an offer of BSB40120 that ran for `days` up to today (the clock's
    and the dashboard's tests date completions back from today)."""
    organisation_configured()
    today = rto_today()
    return offer_make(
        course_make("BSB40120", title="Certificate IV in Business", aqf_level=4),
        code="BSB40120-T1",
        start_date=today - timedelta(days=days),
        end_date=today,
    )


def register_entry(
    offer,
    *,
    status: str = CredentialStatus.ISSUED,
    credential_type: str = "statement_of_attainment",
    template=None,
    credential_date: date = date(2026, 11, 20),
    issued_on: date | None = date(2026, 11, 23),
    number: str | None = None,
    officer=None,
    reason: str = "",
    learner=None,
    fields: dict | None = None,
    **learner_fields,
) -> Credential:
    """`fields` are set in the same update that issues it (an issued credential is frozen)."""
    enrolment = enrolment_make(learner=learner or learner_make(**learner_fields), offer=offer)
    credential = credential_make(
        enrolment,
        credential_type=credential_type,
        credential_date=credential_date,
        **({"template": template} if template else {}),
    )
    numbered = status in (CredentialStatus.ISSUED, CredentialStatus.CANCELLED)
    values = {
        "status": status,
        "status_reason": reason or ("Wrong name" if status == CredentialStatus.CANCELLED else ""),
        "issuing_officer": officer,
    }
    if numbered:
        values.update(
            number=number or f"TM-{credential.pk:06d}",
            issued_on=issued_on,
            document=f"credentials/issued/{credential.pk}.pdf",
            verification_code=f"code-{credential.pk:016d}",
        )
    Credential.objects.filter(pk=credential.pk).update(**values, **(fields or {}))
    credential.refresh_from_db()
    if numbered:
        issuance_record_make(credential)
    return credential


XLSX_START = "/reports/register/xlsx/"


def xlsx_export(client, params: dict | None = None):
    """Start an XLSX export as the report page's button does, let the task run (tasks run
    inline in tests), and download the file from the export page. Returns the response."""
    query = urlencode(params or {}, doseq=True)
    with TestCase.captureOnCommitCallbacks(execute=True):
        started = client.post(f"{XLSX_START}?{query}")
    assert started.status_code == 302, started.content[:500]
    page = client.get(started["Location"])
    assert page.status_code == 200
    export = page.context["export"]
    return client.get(f"/reports/register/exports/{export.pk}/file/")
