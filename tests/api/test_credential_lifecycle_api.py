"""The whole credential lifecycle driven through the API, as a student system would."""

import hashlib

import pytest
from django.utils import timezone

from testamur.accounts.roles import Role
from testamur.credentials.models import Credential, CredentialStatus
from tests.credentials.helpers import completed_offer
from tests.factories import template_make

pytestmark = pytest.mark.django_db

ISSUED_DATE = timezone.localdate().isoformat()


def _run_to_the_end(api, path, payload, capture, **headers):
    """Start a run; tests process runs inline when the request's transaction commits."""
    with capture(execute=True):
        response = api.post(path, payload, headers=headers)
    assert response.status_code == 202, response.content
    return api.get(f"/runs/{response.json()['run']['id']}").json(), response.json()


def test_request_preview_issue_cancel_and_the_register_shows_it(
    api_for, django_capture_on_commit_callbacks
):
    user_api, admin_api = api_for(Role.USER), api_for(Role.ADMIN)
    enrolments = completed_offer(10)
    offer = enrolments[0].offer
    template = template_make("statement_of_attainment")

    # A User requests a credential for each of the offer's ten enrolments: generation starts
    # at once, and the background run makes them Generated (awaiting issue).
    with django_capture_on_commit_callbacks(execute=True):
        response = user_api.post(
            "/credentials/request-bulk",
            {"offer": offer.pk, "template": template.pk, "credential_date": "2026-11-20"},
            headers={"Idempotency-Key": "request-offer-1"},
        )
    assert response.status_code == 200, response.content
    requested = response.json()
    assert len(requested["done"]) == 10 and requested["skipped"] == []
    assert {c["status"] for c in requested["done"]} == {"generating"}
    ids = [c["id"] for c in requested["done"]]
    listed = user_api.get("/credentials", {"offer": offer.pk, "status": "generated"}).json()
    assert listed["count"] == 10

    # …previews them (Merge documents) and the run finishes with ten drafts and a print file.
    run, started = _run_to_the_end(
        user_api, "/runs/preview", {"credentials": ids}, django_capture_on_commit_callbacks
    )
    assert sorted(started["queued"]) == sorted(ids)
    assert (run["status"], run["done_count"], run["percent"]) == ("completed", 10, 100)
    assert run["is_finished"] and run["files"]["combined_pdf"]
    combined = user_api.client.get(run["files"]["combined_pdf"], headers=user_api._headers(None))
    assert combined.status_code == 200 and combined["Content-Type"] == "application/pdf"
    listed = user_api.get("/credentials", {"offer": offer.pk, "status": "generated"}).json()
    assert listed["count"] == 10

    # A User may not issue: 403, and nothing is issued.
    refused = user_api.post(
        "/runs/issue",
        {"credentials": ids, "issued_date": ISSUED_DATE, "final_qualification": False},
    )
    assert refused.status_code == 403
    assert not Credential.objects.filter(status=CredentialStatus.ISSUED).exists()

    # An Admin issues them: each gets a number and its signed document.
    run, _ = _run_to_the_end(
        admin_api,
        "/runs/issue",
        {"credentials": ids, "issued_date": ISSUED_DATE, "final_qualification": False},
        django_capture_on_commit_callbacks,
        **{"Idempotency-Key": "issue-offer-1"},
    )
    assert (run["kind"], run["status"], run["done_count"]) == ("issue", "completed", 10)
    issued = user_api.get("/credentials", {"offer": offer.pk, "page_size": 20}).json()["items"]
    assert {c["status"] for c in issued} == {"issued"}
    assert len({c["number"] for c in issued}) == 10 and all(c["has_document"] for c in issued)

    # The stored signed PDF downloads unchanged.
    first = Credential.objects.get(pk=ids[0])
    document = user_api.get(f"/credentials/{first.pk}/document")
    assert document.status_code == 200 and document["Content-Type"] == "application/pdf"
    assert hashlib.sha256(b"".join(document.streaming_content)).hexdigest() == (
        first.document_sha256
    )

    # A User may not cancel; an Admin cancels one with a reason.
    reason = "Learner's family name misspelt"
    assert user_api.post(f"/credentials/{first.pk}/cancel", {"reason": reason}).status_code == 403
    cancelled = admin_api.post(f"/credentials/{first.pk}/cancel", {"reason": reason})
    assert cancelled.status_code == 200
    assert (cancelled.json()["status"], cancelled.json()["status_reason"]) == ("cancelled", reason)

    # The register shows it Cancelled, with its number and reason; the other nine still issued.
    register = user_api.get("/credentials", {"status": "cancelled"}).json()
    assert register["count"] == 1
    (row,) = register["items"]
    assert (row["id"], row["number"], row["status_label"]) == (first.pk, first.number, "Cancelled")
    assert row["status_reason"] == reason
    assert (
        user_api.get("/credentials", {"offer": offer.pk, "status": "issued"}).json()["count"] == 9
    )
    detail = user_api.get(f"/credentials/{first.pk}").json()
    assert [line["what"] for line in detail["history"]][-1] == "Cancelled"
    assert detail["actions"] == []  # a User can neither reprint nor re-issue a cancelled one
