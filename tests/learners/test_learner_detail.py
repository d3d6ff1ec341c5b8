"""A learner's page: the header every tab shares, details, enrolments, credentials, history."""

from datetime import date

import pytest
from django.urls import NoReverseMatch, reverse

from testamur.learners.models import UsiStatus
from testamur.learners.services import learner_create, learner_set_active, learner_update
from testamur.learners.views import NO_CREDENTIALS
from tests.factories import course_make, enrolment_make, learner_make, offer_make
from tests.learners.helpers import page_text, shows

TABS = ["detail", "enrolments", "credentials", "history"]


def _get(client, tab, learner, **params):
    return client.get(reverse(f"learners:{tab}", args=[learner.pk]), params)


@pytest.mark.parametrize("tab", TABS)
def test_every_tab_shows_who_the_learner_is(rto_user_client, tab):
    learner = learner_make(
        client_id="HC042",
        given_name="Mia",
        family_name="Nguyen",
        privacy_flag=True,
        special_requirements="Needs a large-print certificate.",
    )

    response = _get(rto_user_client, tab, learner)

    assert response.status_code == 200
    html = page_text(response)
    assert "<h1>Mia Nguyen" in html
    assert "Learner ID HC042" in html
    assert '<span class="status ok">Active</span>' in html
    assert "PRIVACY FLAG" in html
    assert "Needs a large-print certificate." in html


def test_no_privacy_badge_or_note_when_not_set(rto_user_client):
    learner = learner_make(privacy_flag=False, special_requirements="")

    html = page_text(_get(rto_user_client, "detail", learner))

    assert "PRIVACY FLAG" not in html
    assert "Special requirements:" not in html


def test_an_inactive_learner_is_marked_inactive(rto_admin_client):
    learner = learner_make(is_active=False)

    html = page_text(_get(rto_admin_client, "detail", learner))

    assert '<span class="status">Inactive</span>' in html
    assert "Mark active" in html


@pytest.mark.parametrize(
    "tab,label", [("detail", "Details"), ("enrolments", "Enrolments"), ("history", "History")]
)
def test_the_open_tab_is_marked_current(rto_user_client, tab, label):
    learner = learner_make()

    html = page_text(_get(rto_user_client, tab, learner))

    assert f'aria-current="page">{label}</a>' in html


def test_details_show_every_field_with_dates_as_dd_mm_yyyy(rto_user_client, rto_admin):
    learner = learner_make(
        title="Dr",
        given_name="Mia",
        middle_names="Thi",
        family_name="Nguyen",
        preferred_name="Mimi",
        date_of_birth=date(2000, 3, 4),
        gender="F",
        email="mia@example.com",
        phone="0400 111 222",
        address_line="1 George St",
        suburb="Parramatta",
        state="NSW",
        postcode="2150",
        usi="BNGH7C75FN",
        usi_verified_on=date(2026, 1, 15),
        usi_verified_by=rto_admin,
        usi_evidence="USI Registry check",
    )

    html = page_text(_get(rto_user_client, "detail", learner))

    for text in [
        "Dr",
        "Thi",
        "Mimi",
        "04/03/2000",
        "Female",
        "mia@example.com",
        "0400 111 222",
        "1 George St",
        "Parramatta",
        "New South Wales",
        "2150",
        "BNGH7C75FN",
        "15/01/2026",
        rto_admin.display_name,
        "USI Registry check",
        "Record a new verification",
    ]:
        assert text in html, text


def test_a_learner_without_a_usi_is_told_where_to_enter_it(rto_user_client):
    learner = learner_make(usi_status=UsiStatus.NOT_SUPPLIED)

    html = page_text(_get(rto_user_client, "detail", learner))

    assert '<span class="status bad">Not supplied</span>' in html
    assert reverse("learners:verify_usi", args=[learner.pk]) not in html


def test_enrolments_tab_lists_the_learners_course_enrolments(rto_user_client):
    learner = learner_make()
    course = course_make("BSB40120", title="Certificate IV in Business", aqf_level=4)
    offer = offer_make(course, code="BSB40120-2026-T1")
    enrolment = enrolment_make(
        learner=learner,
        offer=offer,
        commencement_date=date(2026, 2, 3),
        completion_date=date(2026, 10, 30),
        status="completed",
    )
    enrolment_make(offer=offer_make(code="SOMEONE-ELSE"))

    response = _get(rto_user_client, "enrolments", learner)

    html = page_text(response)
    assert "BSB40120-2026-T1" in html
    assert "BSB40120 Certificate IV in Business" in html
    assert "Completed" in html
    assert "03/02/2026" in html
    assert "30/10/2026" in html
    assert "SOMEONE-ELSE" not in html
    try:
        enrolment_url = reverse("training:enrolment_detail", args=[enrolment.pk])
    except NoReverseMatch:
        return
    assert f'<a href="{enrolment_url}">BSB40120-2026-T1</a>' in html


def test_enrolments_tab_without_enrolments_says_so(rto_user_client):
    learner = learner_make(given_name="Ava")

    assert shows(_get(rto_user_client, "enrolments", learner), "Ava has no course enrolments yet.")


def test_credentials_tab_is_honest_that_there_are_none(rto_user_client):
    learner = learner_make()

    assert shows(_get(rto_user_client, "credentials", learner), NO_CREDENTIALS)


def test_history_shows_who_did_what_newest_first(rto_user_client, rto_user, rto_admin):
    learner = learner_create(
        actor=rto_user,
        given_name="Mia",
        family_name="Nguyen",
        usi="BNGH7C75FN",
        usi_status=UsiStatus.NOT_VERIFIED,
    )
    learner_update(learner=learner, actor=rto_admin, email="mia@example.com")
    learner_set_active(learner=learner, actor=rto_admin, is_active=False, reason="Moved overseas")
    learner_make()  # someone else's events stay off this page

    html = page_text(_get(rto_user_client, "history", learner))

    deactivated = html.index("Learner: deactivated")
    updated = html.index("Learner: updated")
    created = html.index("Learner: created")
    assert deactivated < updated < created
    assert "Active → Inactive" in html
    assert "Moved overseas" in html
    assert "Email: (blank) → mia@example.com" in html
    assert rto_admin.username in html
    assert rto_user.username in html
    assert "BNGH7C75FN" not in html[html.index("<table") :]


def test_history_is_paginated(rto_user_client, rto_user):
    learner = learner_make(email="e0@example.com")
    for n in range(1, 56):
        learner_update(learner=learner, actor=rto_user, email=f"e{n}@example.com")

    first = page_text(_get(rto_user_client, "history", learner))
    second = page_text(_get(rto_user_client, "history", learner, page=2))

    assert "e55@example.com" in first
    assert "Page 1 of 2" in first
    assert "→ e1@example.com" not in first
    assert "→ e1@example.com" in second


def test_history_without_events_says_so(rto_user_client):
    learner = learner_make()

    assert shows(
        _get(rto_user_client, "history", learner),
        "Nothing has been recorded for this learner yet.",
    )


@pytest.mark.parametrize("tab", TABS)
def test_an_unknown_learner_is_not_found(rto_user_client, tab):
    response = rto_user_client.get(reverse(f"learners:{tab}", args=[987654]))

    assert response.status_code == 404
