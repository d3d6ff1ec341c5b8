"""Requesting credentials from qualification enrolments: both the testamur and the record of
results, from the qualification's enrolment list (bulk), the enrolment and the learner's tab;
only for Ready to be Requested, any other status refused and named."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from testamur.credentials.models import (
    Credential,
    CredentialStatus,
    CredentialTemplate,
    CredentialType,
)
from testamur.credentials.qualification_requests import (
    NOT_READY,
    credential_request_for_qualification,
)
from testamur.qualifications.models import QualificationStatus
from tests.factories import learner_make, organisation_configured, qualification_enrolment_make
from tests.qualifications.helpers import AGEING, CORE, OTHER, achieve, individual_support

pytestmark = pytest.mark.django_db


@pytest.fixture
def chc():
    organisation_configured()
    return individual_support()


def enrolment(chc, *, ready: bool, name: str):
    learner = learner_make(given_name=name, family_name="Nguyen")
    achieve(learner, CORE + AGEING + OTHER[:3] if ready else CORE[:3])
    return qualification_enrolment_make(learner, chc, major="Ageing")


def builtin(kind) -> str:
    return str(CredentialTemplate.objects.get(credential_type=kind, is_builtin=True).pk)


def form_data(**extra):
    return {
        "testamur_template": builtin(CredentialType.TESTAMUR),
        "record_template": builtin(CredentialType.RECORD_OF_RESULTS),
        "credential_date": "2026-11-20",
        **extra,
    }


def test_a_request_for_an_enrolment_not_ready_is_refused_with_its_status(chc, rto_user):
    not_ready = enrolment(chc, ready=False, name="Ana")
    with pytest.raises(ValidationError) as refused:
        credential_request_for_qualification(
            actor=rto_user, qualification_enrolment=not_ready, credential_date=date(2026, 11, 20)
        )
    assert refused.value.messages == [
        NOT_READY.format(
            learner=not_ready.learner.full_name, status="Not Yet Achieved", qualification="CHC33021"
        )
    ]
    assert not Credential.objects.exists()


def test_bulk_request_from_the_enrolment_list_skips_those_not_ready(
    chc, rto_user_client, django_capture_on_commit_callbacks
):
    ready = [enrolment(chc, ready=True, name=name) for name in ("Bao", "Chen")]
    not_ready = enrolment(chc, ready=False, name="Dina")
    ids = [e.pk for e in (*ready, not_ready)]

    response = rto_user_client.post(
        reverse("qualifications:bulk", args=[chc.pk]), {"action": "request", "enrolment": ids}
    )
    form_url = response["Location"]
    assert form_url.startswith(reverse("credentials:request_qualification_bulk", args=[chc.pk]))
    page = rto_user_client.get(form_url).content.decode()
    assert "Selected learners (3)" in page
    assert "(2 of 3)" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = rto_user_client.post(form_url, form_data(enrolment=ids), follow=True)
    page = response.content.decode()
    assert "4 requested, 1 skipped" in page
    assert "Dina Nguyen is Not Yet Achieved in CHC33021" in page
    for item in ready:
        item.refresh_from_db()
        assert item.status == QualificationStatus.AWAITING_ISSUE
        kinds = sorted(item.credentials.values_list("credential_type", flat=True))
        assert kinds == ["record_of_results", "testamur"]
    assert not not_ready.credentials.exists()
    assert response.request["PATH_INFO"] == reverse("qualifications:credentials", args=[chc.pk])


def test_request_from_the_enrolment_page(chc, rto_user_client, django_capture_on_commit_callbacks):
    ready = enrolment(chc, ready=True, name="Eli")
    detail = rto_user_client.get(reverse("qualifications:enrolment_detail", args=[ready.pk]))
    request_url = reverse("credentials:request_qualification", args=[ready.pk])
    assert request_url in detail.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = rto_user_client.post(request_url, form_data(), follow=True)
    page = response.content.decode()
    assert "Requested the testamur and record of results for Eli Nguyen" in page
    assert "Generating Credential" in page
    # The background run has generated both since.
    page = rto_user_client.get(reverse("qualifications:enrolment_detail", args=[ready.pk]))
    assert "Awaiting Issue" in page.content.decode()
    assert ready.credentials.filter(status=CredentialStatus.GENERATED).count() == 2


def test_the_request_page_of_an_enrolment_not_ready_sends_you_back_with_the_reason(
    chc, rto_user_client
):
    not_ready = enrolment(chc, ready=False, name="Fai")
    response = rto_user_client.get(
        reverse("credentials:request_qualification", args=[not_ready.pk]), follow=True
    )
    assert "Fai Nguyen is Not Yet Achieved in CHC33021" in response.content.decode()
    response = rto_user_client.post(
        reverse("credentials:request_qualification", args=[not_ready.pk]), form_data()
    )
    assert response.status_code == 302
    assert not Credential.objects.exists()


def test_the_learner_tab_offers_the_request_for_ready_enrolments_only(chc, rto_user_client):
    ready = enrolment(chc, ready=True, name="Gus")
    page = rto_user_client.get(
        reverse("qualifications:learner_qualifications", args=[ready.learner_id])
    )
    html = page.content.decode()
    assert "Ready to be Requested" in html
    assert reverse("credentials:request_qualification", args=[ready.pk]) in html

    not_ready = enrolment(chc, ready=False, name="Hoa")
    html = rto_user_client.get(
        reverse("qualifications:learner_qualifications", args=[not_ready.learner_id])
    ).content.decode()
    assert "Not Yet Achieved" in html
    assert reverse("credentials:request_qualification", args=[not_ready.pk]) not in html


def test_a_missing_template_type_is_refused_on_the_form(chc, rto_user_client):
    ready = enrolment(chc, ready=True, name="Ivy")
    response = rto_user_client.post(
        reverse("credentials:request_qualification", args=[ready.pk]),
        form_data(record_template=builtin(CredentialType.TESTAMUR)),
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Credential.objects.exists()


def test_the_credential_page_and_mail_merge_name_the_qualification(
    chc, rto_user, rto_user_client, django_capture_on_commit_callbacks
):
    from testamur.credentials.documents import MAIL_MERGE_COLUMNS, mail_merge_row

    ready = enrolment(chc, ready=True, name="Eli")
    with django_capture_on_commit_callbacks(execute=True):
        credential_request_for_qualification(
            actor=rto_user,
            qualification_enrolment=ready,
            credential_date=date(2026, 11, 20),
        )
    testamur = ready.credentials.get(credential_type=CredentialType.TESTAMUR)

    page = rto_user_client.get(reverse("credentials:detail", args=[testamur.pk])).content.decode()
    assert f"{chc.code} {chc.title}" in page
    row = dict(zip(MAIL_MERGE_COLUMNS, mail_merge_row(testamur), strict=True))
    assert (row["Course code"], row["Course title"]) == (chc.code, chc.title)


def test_request_from_the_learner_tab_returns_to_the_tab(
    chc, rto_user_client, django_capture_on_commit_callbacks
):
    ready = enrolment(chc, ready=True, name="Ivy")
    tab = reverse("qualifications:learner_qualifications", args=[ready.learner_id])
    html = rto_user_client.get(tab).content.decode()
    request_url = reverse("credentials:request_qualification", args=[ready.pk]) + "?next=learner"
    assert f'href="{request_url}"' in html
    form = rto_user_client.get(request_url).content.decode()
    assert f'href="{tab}">Cancel' in form

    with django_capture_on_commit_callbacks(execute=True):
        response = rto_user_client.post(request_url, form_data(), follow=True)
    assert response.request["PATH_INFO"] == tab
    page = response.content.decode()
    assert "Requested the testamur and record of results for Ivy Nguyen" in page
    kinds = sorted(ready.credentials.values_list("credential_type", flat=True))
    assert kinds == ["record_of_results", "testamur"]
