"""Staff record that a learner's USI was verified with the USI Registrar: when, how, and who."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from testamur.accounts.roles import Role
from testamur.core.models import Event
from testamur.learners.models import UsiStatus
from testamur.learners.services import (
    EVIDENCE_REQUIRED,
    NO_USI_TO_VERIFY,
    VERIFIED_DATE_MISSING,
    VERIFIED_IN_FUTURE,
)
from testamur.learners.views import USI_VERIFIED
from testamur.organisation.selectors import organisation_time_zone
from tests.factories import learner_make
from tests.learners.helpers import page_text, shows


def _url(learner):
    return reverse("learners:verify_usi", args=[learner.pk])


@pytest.fixture
def unverified(db):
    return learner_make(usi="BNGH7C75FN", usi_status=UsiStatus.NOT_VERIFIED)


@pytest.mark.parametrize("role", [Role.USER, Role.ADMIN, Role.OWNER])
def test_any_role_records_a_verification(make_user, unverified, role):
    user = make_user(role)
    client = Client()
    client.force_login(user)

    response = client.post(
        _url(unverified),
        {"verified_on": "2026-03-02", "evidence": "USI Registry check, ref 88"},
        follow=True,
    )

    unverified.refresh_from_db()
    assert unverified.usi_status == UsiStatus.VERIFIED
    assert unverified.usi_verified_on == date(2026, 3, 2)
    assert unverified.usi_verified_by == user
    assert unverified.usi_evidence == "USI Registry check, ref 88"
    html = page_text(response)
    assert shows(response, USI_VERIFIED)
    assert '<span class="status ok">Verified</span>' in html
    assert "02/03/2026" in html
    assert user.display_name in html
    event = Event.objects.get(learner_id=unverified.pk, action="usi_verified")
    assert (event.from_state, event.to_state) == ("not_verified", "verified")
    assert event.actor == user
    assert "BNGH7C75FN" not in str(event.data)


def test_the_form_shows_the_usi_being_verified_and_todays_date(rto_user_client, unverified):
    html = page_text(rto_user_client.get(_url(unverified)))

    assert "BNGH7C75FN" in html
    assert 'for="id_verified_on"' in html
    assert 'for="id_evidence"' in html
    today = timezone.localdate(timezone=ZoneInfo(organisation_time_zone()))
    assert f'name="verified_on" value="{today.isoformat()}"' in html


@pytest.mark.parametrize(
    "data,message",
    [
        (
            {"verified_on": (date.today() + timedelta(days=2)).isoformat(), "evidence": "x"},
            VERIFIED_IN_FUTURE,
        ),
        ({"verified_on": "2026-01-01", "evidence": "   "}, EVIDENCE_REQUIRED),
        ({"verified_on": "", "evidence": "Registry"}, VERIFIED_DATE_MISSING),
        ({"verified_on": "31/02/2026", "evidence": "Registry"}, "Enter a valid date."),
        ({"verified_on": "2026-01-01", "evidence": "e" * 500}, "at most 200 characters"),
    ],
)
def test_bad_verification_input_is_explained_and_nothing_changes(
    rto_user_client, unverified, data, message
):
    response = rto_user_client.post(_url(unverified), data)

    assert response.status_code == 200
    assert shows(response, message)
    unverified.refresh_from_db()
    assert unverified.usi_status == UsiStatus.NOT_VERIFIED
    assert not Event.objects.filter(action="usi_verified").exists()


def test_a_learner_without_a_usi_cannot_be_verified(rto_user_client):
    learner = learner_make(usi_status=UsiStatus.EXEMPTION_INDIV)

    page = rto_user_client.get(_url(learner))
    response = rto_user_client.post(_url(learner), {"verified_on": "2026-01-01", "evidence": "x"})

    assert shows(page, NO_USI_TO_VERIFY)
    assert response.status_code == 200
    learner.refresh_from_db()
    assert learner.usi_status == UsiStatus.EXEMPTION_INDIV
    assert not Event.objects.filter(action="usi_verified").exists()


def test_a_post_without_the_csrf_token_is_rejected(rto_user, unverified):
    client = Client(enforce_csrf_checks=True)
    client.force_login(rto_user)

    response = client.post(_url(unverified), {"verified_on": "2026-01-01", "evidence": "x"})

    assert response.status_code == 403
    unverified.refresh_from_db()
    assert unverified.usi_status == UsiStatus.NOT_VERIFIED
