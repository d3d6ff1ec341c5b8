"""An Admin opens the register report by course offer, exports it (XLSX), emails a credential."""

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from testamur.accounts.roles import Role
from testamur.credentials.issue_options import IssueOptions
from testamur.credentials.models import Credential, CredentialEmail, EmailStatus, RunKind
from testamur.credentials.runs import run_start
from testamur.reports.selectors import HEADINGS
from tests.credentials.helpers import completed_offer, requested


@pytest.mark.django_db(transaction=True)
def test_register_report_by_offer_xlsx_and_email(page, sign_in, make_user, smtp_server, tmp_path):
    admin = make_user(Role.ADMIN, "alex", first_name="Alex", last_name="Admin")
    credentials = requested(completed_offer(3))
    # Tasks run inline in tests: each run is processed as soon as it is committed.
    run_start(actor=admin, kind=RunKind.PREVIEW, credentials=credentials)
    run_start(
        actor=admin,
        kind=RunKind.ISSUE,
        credentials=credentials,
        options=IssueOptions(issued_on=timezone.localdate()),
    )
    issued = list(Credential.objects.select_related("learner").order_by("pk"))
    assert {c.status for c in issued} == {"issued"}
    offer = issued[0].course_enrolment.offer

    sign_in("alex")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    page.get_by_role("link", name="Credential register by course offer").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Credential register by course offer")
    group = page.locator("tr.group-row")
    expect(group).to_have_count(1)
    expect(group).to_contain_text(f"{offer.code} — BSB40120 Certificate IV in Business")
    for credential in issued:
        expect(page.get_by_role("link", name=credential.number)).to_be_visible()

    # The XLSX is written in the background (inline in tests): its page offers the file.
    page.get_by_role("button", name="XLSX").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Register export (XLSX)")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download credential-register-by-offer-").click()
    download = download_info.value
    assert download.suggested_filename.startswith("credential-register-by-offer-")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    rows = list(load_workbook(target, read_only=True).active.values)
    assert list(rows[0]) == HEADINGS
    assert [row[0] for row in rows[1:]] == [c.number for c in issued]
    assert {row[5] for row in rows[1:]} == {offer.code}

    first = issued[0]
    page.go_back()
    page.get_by_role("link", name=first.number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(first.number)
    page.get_by_role("button", name="Email to learner").click()
    expect(page.locator(".messages")).to_contain_text("1 queued to email.")
    expect(page.locator(".email-table")).to_contain_text("Sent")
    expect(page.locator(".email-table")).to_contain_text(first.learner.email)

    (received,) = smtp_server.received
    assert received.rcpt_tos == [first.learner.email]
    with first.document.open("rb") as handle:
        assert received.attachments()[0][2] == handle.read()
    assert CredentialEmail.objects.get().status == EmailStatus.SENT
