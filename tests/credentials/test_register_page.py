"""The credential register page: every credential, filters, search, paging, gates, row actions."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from testamur.credentials.forms import DATES_REVERSED
from testamur.credentials.gates import USI_NOT_CLEARED
from testamur.credentials.issue_options import IssueOptions
from testamur.credentials.models import RunKind
from testamur.credentials.runs import run_start
from testamur.learners.models import UsiStatus
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

REGISTER = "/credentials/"


@pytest.fixture
def offer():
    organisation_configured()
    units = [unit_make(), unit_make()]
    return offer_make(course_make(units=units), code="CHC3-2026-T1")


def _achieved(offer, **learner_fields):
    codes = {unit.code: "20" for unit in offer.course.units.all()}
    return enrolment_make(learner=learner_make(**learner_fields), offer=offer, outcomes=codes)


def _generate(actor, credentials, capture):
    with capture(execute=True):
        run, _ = run_start(actor=actor, kind=RunKind.PREVIEW, credentials=list(credentials))
    return run


def _issue(actor, credentials, capture):
    with capture(execute=True):
        run, _ = run_start(
            actor=actor,
            kind=RunKind.ISSUE,
            credentials=list(credentials),
            options=IssueOptions(issued_on=timezone.localdate()),
        )
    return run


def _text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def _rows(response) -> list[int]:
    """The credential ids listed, in order."""
    return [row.credential.pk for row in response.context["rows"]]


def test_register_lists_every_credential_newest_first_with_its_columns(rto_user_client, offer):
    mia = credential_make(
        _achieved(offer, given_name="Mia", family_name="Nguyen"), credential_date=date(2026, 11, 20)
    )
    noah = credential_make(_achieved(offer, given_name="Noah", family_name="Smith"))

    response = rto_user_client.get(REGISTER)

    page = _text(response)
    assert _rows(response) == [noah.pk, mia.pk]
    for text in ["Mia Nguyen", "Noah Smith", "CHC3-2026-T1", offer.course.code, "20/11/2026"]:
        assert text in page
    assert "Statement of Attainment" in page
    assert 'class="status ">Requested' in page
    assert "Not generated yet" not in page  # issuing generates it: no longer a reason


def test_nav_has_the_credential_register(rto_user_client):
    page = _text(rto_user_client.get("/"))
    assert f'href="{REGISTER}"' in page
    assert "Credential register" in page


def test_filter_by_status(rto_admin, rto_admin_client, offer, django_capture_on_commit_callbacks):
    requested = credential_make(_achieved(offer))
    issued = credential_make(_achieved(offer))
    _generate(rto_admin, [issued], django_capture_on_commit_callbacks)
    _issue(rto_admin, [issued], django_capture_on_commit_callbacks)

    assert _rows(rto_admin_client.get(REGISTER, {"status": "requested"})) == [requested.pk]
    assert _rows(rto_admin_client.get(REGISTER, {"status": "issued"})) == [issued.pk]
    assert _rows(rto_admin_client.get(REGISTER, {"status": ""})) == [issued.pk, requested.pk]


def test_filter_by_offer_and_course(rto_user_client, offer):
    mine = credential_make(_achieved(offer))
    other_offer = offer_make(course_make(units=[unit_make()]))
    other = credential_make(enrolment_make(offer=other_offer))

    assert _rows(rto_user_client.get(REGISTER, {"offer": offer.pk})) == [mine.pk]
    assert _rows(rto_user_client.get(REGISTER, {"course": other_offer.course_id})) == [other.pk]


def test_search_by_number_name_and_learner_id(
    rto_admin, rto_admin_client, offer, django_capture_on_commit_callbacks
):
    mia = credential_make(
        _achieved(offer, given_name="Mia", family_name="Nguyen", client_id="L777001")
    )
    noah = credential_make(_achieved(offer, given_name="Noah", family_name="Smith"))
    _generate(rto_admin, [noah], django_capture_on_commit_callbacks)
    _issue(rto_admin, [noah], django_capture_on_commit_callbacks)
    noah.refresh_from_db()

    assert _rows(rto_admin_client.get(REGISTER, {"q": noah.number})) == [noah.pk]
    assert _rows(rto_admin_client.get(REGISTER, {"q": "mia nguyen"})) == [mia.pk]
    assert _rows(rto_admin_client.get(REGISTER, {"q": "L777001"})) == [mia.pk]
    response = rto_admin_client.get(REGISTER, {"q": "Nobody-by-this-name"})
    assert _rows(response) == []
    assert "No credentials match these filters." in _text(response)


def test_filter_by_credential_date_range(rto_user_client, offer):
    early = credential_make(_achieved(offer), credential_date=date(2026, 3, 1))
    late = credential_make(_achieved(offer), credential_date=date(2026, 11, 1))

    response = rto_user_client.get(REGISTER, {"date_from": "2026-02-01", "date_to": "2026-04-30"})
    assert _rows(response) == [early.pk]
    response = rto_user_client.get(REGISTER, {"date_from": "2026-10-01"})
    assert _rows(response) == [late.pk]


def test_reversed_date_range_is_an_inline_error_not_a_500(rto_user_client, offer):
    credential_make(_achieved(offer), credential_date=date(2026, 3, 1))

    response = rto_user_client.get(REGISTER, {"date_from": "2026-12-01", "date_to": "2026-01-01"})

    page = _text(response)
    assert DATES_REVERSED.replace("'", "&#x27;") in page
    assert len(_rows(response)) == 1  # the bad range is not applied


def test_nonsense_filter_values_are_explained_not_a_500(rto_user_client, offer):
    response = rto_user_client.get(
        REGISTER, {"status": "bogus", "offer": "abc", "date_from": "31/31/2026", "page": "x"}
    )
    page = _text(response)
    assert "Select a valid choice" in page
    assert "Enter a valid date" in page


def test_register_query_count_does_not_grow_with_rows(rto_user_client, offer):
    for _ in range(3):
        credential_make(_achieved(offer, usi_status=UsiStatus.NOT_SUPPLIED))
    _text(rto_user_client.get(REGISTER))  # warm the caches (time zone, content types)
    with CaptureQueriesContext(connection) as few:
        _text(rto_user_client.get(REGISTER))
    other_offer = offer_make(course_make(units=[unit_make()]))
    for _ in range(25):
        credential_make(enrolment_make(offer=other_offer))
    with CaptureQueriesContext(connection) as many:
        response = rto_user_client.get(REGISTER)
    assert len(_rows(response)) == 28
    assert len(many) == len(few)


def test_register_pages_fifty_at_a_time(rto_user_client, django_assert_max_num_queries):
    organisation_configured()
    offer = offer_make(course_make(units=[unit_make()]))
    template = template_make()
    for _ in range(51):
        credential_make(enrolment_make(offer=offer), template=template)
    with django_assert_max_num_queries(25):
        first = rto_user_client.get(REGISTER)
    assert len(_rows(first)) == 50
    page = _text(first)
    assert "51 in all" in page
    last_on_first = _rows(first)[-1]
    assert f'href="?after={last_on_first}" rel="next"' in page
    second = rto_user_client.get(REGISTER, {"after": last_on_first})
    assert len(_rows(second)) == 1
    assert set(_rows(second)).isdisjoint(_rows(first))
    back = rto_user_client.get(REGISTER, {"before": _rows(second)[0]})
    assert _rows(back) == _rows(first)


def test_gate_reasons_are_shown_on_the_row_and_decide_if_it_can_be_issued(
    rto_admin, rto_admin_client, offer, django_capture_on_commit_callbacks
):
    ready = credential_make(_achieved(offer))
    no_usi = credential_make(_achieved(offer, usi_status=UsiStatus.NOT_SUPPLIED))
    _generate(rto_admin, [ready, no_usi], django_capture_on_commit_callbacks)

    page = _text(rto_admin_client.get(REGISTER))

    assert USI_NOT_CLEARED.format(status="Not supplied") in page
    assert f'value="{ready.pk}" data-issuable="true"' in page
    assert f'value="{no_usi.pk}" data-issuable="false"' in page


def test_row_actions_follow_status_and_role(
    rto_admin, rto_admin_client, rto_user_client, offer, django_capture_on_commit_callbacks
):
    requested = credential_make(_achieved(offer))
    issued = credential_make(_achieved(offer))
    _generate(rto_admin, [issued], django_capture_on_commit_callbacks)
    _issue(rto_admin, [issued], django_capture_on_commit_callbacks)

    admin_page = _text(rto_admin_client.get(REGISTER))
    user_page = _text(rto_user_client.get(REGISTER))

    delete = reverse("credentials:delete", args=[requested.pk])
    cancel_issued = reverse("credentials:cancel", args=[issued.pk])
    for url in [delete, cancel_issued, reverse("credentials:reissue", args=[issued.pk])]:
        assert url in admin_page
        assert url not in user_page
    for page in (admin_page, user_page):
        assert reverse("credentials:preview", args=[requested.pk]) in page
        assert reverse("credentials:reprint", args=[issued.pk]) in page
        assert reverse("credentials:preview", args=[issued.pk]) not in page
        assert reverse("credentials:reprint", args=[requested.pk]) not in page
    assert reverse("credentials:delete", args=[issued.pk]) not in admin_page
    assert 'value="issue"' in admin_page
    assert 'value="issue"' not in user_page
    assert 'value="preview">Merge documents' in user_page
