"""Runs (log history): progress that updates itself, per-credential results, the run's files.

Also Preview (made now, never stored) and Reprint (the stored issued document, unchanged).
"""

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from testamur.core.models import Event
from testamur.credentials.issue_options import IssueOptions
from testamur.credentials.models import (
    CredentialStatus,
    CredentialTemplateVersion,
    GenerationRun,
    RunKind,
    TemplateVersionState,
)
from testamur.credentials.runs import run_start
from tests.factories import (
    course_make,
    credential_make,
    enrolment_make,
    learner_make,
    offer_make,
    organisation_configured,
    template_make,
    unit_make,
)

pytestmark = pytest.mark.django_db

PRINT_WARNING = "Print version — not locked; never send it digitally."


@pytest.fixture
def offer():
    organisation_configured()
    return offer_make(course_make(units=[unit_make()]), code="HLT3-2026-T1")


def _credential(offer, template=None, **learner_fields):
    unit = offer.course.units.get()
    enrolment = enrolment_make(
        learner=learner_make(**learner_fields), offer=offer, outcomes={unit.code: "20"}
    )
    return credential_make(enrolment, template=template or template_make("testamur"))


def _run(actor, kind, credentials, capture, **options):
    issue_options = IssueOptions(issued_on=timezone.localdate(), **options) if options else None
    with capture(execute=True):
        run, _ = run_start(actor=actor, kind=kind, credentials=credentials, options=issue_options)
    run.refresh_from_db()
    return run


def _text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_run_list_shows_runs_newest_first(
    rto_user, rto_user_client, offer, django_capture_on_commit_callbacks
):
    credentials = [_credential(offer) for _ in range(2)]
    first = _run(rto_user, RunKind.PREVIEW, credentials, django_capture_on_commit_callbacks)
    second = _run(rto_user, RunKind.REGENERATE, credentials[:1], django_capture_on_commit_callbacks)

    response = rto_user_client.get(reverse("credentials:run_list"))

    page = _text(response)
    assert [run.pk for run in response.context["page_obj"]] == [second.pk, first.pk]
    for text in ["Merge documents", "Regenerate", "2 of 2", "1 of 1", "Completed", "User Tester"]:
        assert text in page


def test_a_running_run_polls_for_progress_and_a_finished_one_stops(
    rto_user, rto_user_client, offer, django_capture_on_commit_callbacks
):
    credential = _credential(offer)
    queued, _ = run_start(actor=rto_user, kind=RunKind.PREVIEW, credentials=[credential])

    page = _text(rto_user_client.get(reverse("credentials:run_detail", args=[queued.pk])))
    assert 'hx-trigger="every 1s"' in page
    assert reverse("credentials:run_progress", args=[queued.pk]) in page
    assert "0 of 1" in page
    assert "The files appear here when the run has finished." in page

    finished = _run(
        rto_user, RunKind.PREVIEW, [_credential(offer)], django_capture_on_commit_callbacks
    )
    page = _text(rto_user_client.get(reverse("credentials:run_detail", args=[finished.pk])))
    assert "hx-trigger" not in page
    assert "1 of 1" in page


def test_progress_fragment_reloads_the_page_once_the_run_finishes(
    rto_user, rto_user_client, offer, django_capture_on_commit_callbacks
):
    run = _run(rto_user, RunKind.PREVIEW, [_credential(offer)], django_capture_on_commit_callbacks)
    url = reverse("credentials:run_progress", args=[run.pk])

    watching = rto_user_client.get(url, {"watching": 1}, headers={"HX-Request": "true"})
    assert watching["HX-Refresh"] == "true"
    plain = rto_user_client.get(url)
    assert "HX-Refresh" not in plain
    assert 'id="run-progress"' in _text(plain)


def test_merge_documents_run_offers_the_print_version_with_its_warning(
    rto_user, rto_admin_client, rto_user_client, offer, django_capture_on_commit_callbacks
):
    credentials = [_credential(offer) for _ in range(2)]
    run = _run(rto_user, RunKind.PREVIEW, credentials, django_capture_on_commit_callbacks)

    admin_page = _text(rto_admin_client.get(reverse("credentials:run_detail", args=[run.pk])))
    user_page = _text(rto_user_client.get(reverse("credentials:run_detail", args=[run.pk])))

    assert PRINT_WARNING in admin_page
    file_url = reverse("credentials:run_file", args=[run.pk]) + "?which=combined"
    assert file_url in admin_page
    assert "Issue these credentials" in admin_page
    assert "Issue these credentials" not in user_page
    assert "Preview again" in user_page
    pdf = rto_user_client.get(file_url)
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_preview_again_starts_a_new_merge_documents_run(
    rto_user, rto_user_client, offer, django_capture_on_commit_callbacks
):
    credentials = [_credential(offer) for _ in range(2)]
    run = _run(rto_user, RunKind.PREVIEW, credentials, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        response = rto_user_client.post(reverse("credentials:run_again", args=[run.pk]))

    again = GenerationRun.objects.exclude(pk=run.pk).get()
    assert response["Location"] == reverse("credentials:run_detail", args=[again.pk])
    assert (again.kind, again.total) == (RunKind.PREVIEW, 2)


def test_issue_run_offers_the_mail_merge_spreadsheet(
    rto_admin, rto_admin_client, offer, django_capture_on_commit_callbacks
):
    credential = _credential(offer, given_name="Mia", family_name="Nguyen")
    _run(rto_admin, RunKind.PREVIEW, [credential], django_capture_on_commit_callbacks)
    run = _run(
        rto_admin,
        RunKind.ISSUE,
        [credential],
        django_capture_on_commit_callbacks,
        mail_merge=True,
    )
    credential.refresh_from_db()

    page = _text(rto_admin_client.get(reverse("credentials:run_detail", args=[run.pk])))
    assert "Mail-merge spreadsheet (XLSX)" in page
    assert credential.number in page
    assert "Issue these credentials" not in page  # only on a Merge documents run

    response = rto_admin_client.get(
        reverse("credentials:run_file", args=[run.pk]), {"which": "mail_merge"}
    )
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.values)
    assert rows[1][0] == credential.number
    assert "Mia" in rows[1]


def test_failures_are_shown_per_credential_with_their_message(
    rto_user, rto_user_client, offer, django_capture_on_commit_callbacks
):
    broken = template_make("testamur", name="Broken")
    CredentialTemplateVersion.objects.filter(template=broken).update(
        source="#let x = (", state=TemplateVersionState.ACTIVE
    )
    credential = _credential(offer, template=broken, given_name="Ada", family_name="Lovelace")

    run = _run(rto_user, RunKind.PREVIEW, [credential], django_capture_on_commit_callbacks)

    page = _text(rto_user_client.get(reverse("credentials:run_detail", args=[run.pk])))
    assert run.failed_count == 1
    assert "Ada Lovelace" in page
    assert 'class="status bad">Failed' in page
    assert "Template Broken v1" in page
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.FAILED


def test_run_files_that_are_missing_or_purged_are_404(
    rto_user, rto_user_client, offer, django_capture_on_commit_callbacks
):
    run = _run(rto_user, RunKind.PREVIEW, [_credential(offer)], django_capture_on_commit_callbacks)
    url = reverse("credentials:run_file", args=[run.pk])

    assert rto_user_client.get(url, {"which": "mail_merge"}).status_code == 404
    assert rto_user_client.get(url, {"which": "../../etc/passwd"}).status_code == 404
    GenerationRun.objects.filter(pk=run.pk).update(files_purged_at=timezone.now())
    assert rto_user_client.get(url, {"which": "combined"}).status_code == 404
    page = _text(rto_user_client.get(reverse("credentials:run_detail", args=[run.pk])))
    assert "run files are kept 7 days" in page


def test_preview_while_generating_is_an_unsigned_pdf_made_now_and_nothing_is_stored(
    rto_user, rto_user_client, offer
):
    credential = _credential(offer)
    # Queued for generation, not yet processed: the preview is made now and changes nothing.
    run_start(actor=rto_user, kind=RunKind.GENERATE, credentials=[credential])
    events = Event.objects.count()

    response = rto_user_client.get(reverse("credentials:preview", args=[credential.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response.content.startswith(b"%PDF")
    assert b"/ByteRange" not in response.content  # no signature
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.GENERATING
    assert not credential.draft
    assert Event.objects.count() == events


def test_preview_of_a_broken_template_explains_instead_of_failing(rto_user_client, offer):
    broken = template_make("testamur", name="Broken")
    CredentialTemplateVersion.objects.filter(template=broken).update(source="#let x = (")
    credential = _credential(offer, template=broken)

    response = rto_user_client.get(reverse("credentials:preview", args=[credential.pk]))

    assert response.status_code == 422
    assert "The preview could not be made." in response.content.decode()


def test_reprint_serves_the_stored_document_unchanged(
    rto_admin, rto_user_client, offer, django_capture_on_commit_callbacks
):
    credential = _credential(offer)
    url = reverse("credentials:reprint", args=[credential.pk])
    assert rto_user_client.get(url).status_code == 404  # not issued yet

    _run(rto_admin, RunKind.PREVIEW, [credential], django_capture_on_commit_callbacks)
    _run(
        rto_admin,
        RunKind.ISSUE,
        [credential],
        django_capture_on_commit_callbacks,
        final_qualification=False,
    )
    credential.refresh_from_db()

    response = rto_user_client.get(url)

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    with credential.document.open("rb") as handle:
        assert b"".join(response.streaming_content) == handle.read()


def test_single_regenerate_from_the_row_starts_a_run(
    rto_user, rto_user_client, offer, django_capture_on_commit_callbacks
):
    credential = _credential(offer)

    with django_capture_on_commit_callbacks(execute=True):
        response = rto_user_client.post(
            reverse("credentials:regenerate", args=[credential.pk]),
            {"revision": credential.revision},
        )

    run = GenerationRun.objects.get()
    assert response["Location"] == reverse("credentials:run_detail", args=[run.pk])
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.GENERATED
    assert credential.draft
    draft = rto_user_client.get(reverse("credentials:draft", args=[credential.pk]))
    assert draft["Content-Type"] == "application/pdf"


def test_single_regenerate_on_a_stale_page_says_so(rto_user, rto_user_client, offer):
    credential = _credential(offer)

    response = rto_user_client.post(
        reverse("credentials:regenerate", args=[credential.pk]),
        {"revision": credential.revision + 5},
        follow=True,
    )

    assert "changed since you loaded the page" in _text(response)
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.REQUESTED
