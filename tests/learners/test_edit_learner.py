"""Staff change a learner's details; a new USI has to be verified again."""

import json
from datetime import date

from django.urls import reverse

from testamur.core.models import Event
from testamur.learners.models import Learner, UsiStatus
from testamur.learners.services import CLIENT_ID_TAKEN
from testamur.learners.usi import USI_BAD_CHECK, USI_LOWERCASE
from testamur.learners.views import LEARNER_UNCHANGED, USI_NOW_UNVERIFIED
from tests.factories import learner_make
from tests.learners.helpers import edit_data, shows


def _url(learner):
    return reverse("learners:edit", args=[learner.pk])


def _events(learner):
    return Event.objects.filter(learner_id=learner.pk, action="updated")


def test_the_edit_form_shows_the_current_details(rto_user_client):
    learner = learner_make(given_name="Mia", email="mia@example.com", usi="BNGH7C75FN")

    html = rto_user_client.get(_url(learner)).content.decode()

    assert 'value="mia@example.com"' in html
    assert 'value="BNGH7C75FN"' in html
    assert 'value="1995-01-01"' in html


def test_a_user_changes_an_email_and_the_change_is_recorded(rto_user_client, rto_user):
    learner = learner_make(email="old@example.com")

    response = rto_user_client.post(
        _url(learner), edit_data(learner, email="new@example.com"), follow=True
    )

    learner.refresh_from_db()
    assert learner.email == "new@example.com"
    assert response.redirect_chain[-1][0] == reverse("learners:detail", args=[learner.pk])
    event = _events(learner).get()
    assert event.actor == rto_user
    assert event.data == {"email": ["old@example.com", "new@example.com"]}


def test_saving_without_changes_records_nothing(rto_user_client):
    learner = learner_make()

    response = rto_user_client.post(_url(learner), edit_data(learner), follow=True)

    assert shows(response, LEARNER_UNCHANGED)
    assert not _events(learner).exists()


def test_a_new_usi_goes_back_to_not_verified(rto_user_client):
    learner = learner_make(usi="BNGH7C75FN", usi_evidence="Registry check")
    assert learner.usi_status == UsiStatus.VERIFIED

    response = rto_user_client.post(
        _url(learner), edit_data(learner, usi="BP6LKB3C7X"), follow=True
    )

    learner.refresh_from_db()
    assert learner.usi == "BP6LKB3C7X"
    assert learner.usi_status == UsiStatus.NOT_VERIFIED
    assert learner.usi_verified_on is None
    assert learner.usi_verified_by is None
    assert learner.usi_evidence == ""
    assert shows(response, USI_NOW_UNVERIFIED)
    event = _events(learner).get()
    assert event.data["usi"] == "changed"
    assert "BNGH7C75FN" not in json.dumps(event.data)
    assert "BP6LKB3C7X" not in json.dumps(event.data)
    assert (event.from_state, event.to_state) == ("verified", "not_verified")


def test_a_new_usi_stays_verified_when_the_form_says_so(rto_admin_client, rto_admin):
    learner = learner_make(usi="BNGH7C75FN", usi_status=UsiStatus.NOT_VERIFIED)

    rto_admin_client.post(
        _url(learner),
        edit_data(
            learner,
            usi="BP6LKB3C7X",
            usi_status="verified",
            usi_verified_on="2026-02-01",
            usi_evidence="Registry check",
        ),
    )

    learner.refresh_from_db()
    assert learner.usi == "BP6LKB3C7X"
    assert learner.usi_status == UsiStatus.VERIFIED
    assert learner.usi_verified_on == date(2026, 2, 1)
    assert learner.usi_verified_by == rto_admin


def test_clearing_the_usi_makes_it_not_supplied(rto_user_client):
    learner = learner_make(usi="BNGH7C75FN")

    rto_user_client.post(_url(learner), edit_data(learner, usi=""))

    learner.refresh_from_db()
    assert learner.usi is None
    assert learner.usi_status == UsiStatus.NOT_SUPPLIED
    assert _events(learner).get().data["usi"] == "removed"


def test_a_bad_usi_on_edit_is_explained_and_nothing_changes(rto_user_client):
    learner = learner_make(usi="BNGH7C75FN", email="keep@example.com")

    for typed, message in [("BNGH7C75FM", USI_BAD_CHECK), ("bp6lkb3c7x", USI_LOWERCASE)]:
        response = rto_user_client.post(
            _url(learner), edit_data(learner, usi=typed, email="changed@example.com")
        )
        assert response.status_code == 200
        assert shows(response, message)

    learner.refresh_from_db()
    assert learner.usi == "BNGH7C75FN"
    assert learner.email == "keep@example.com"
    assert not _events(learner).exists()


def test_another_learners_id_is_refused(rto_user_client):
    learner_make(client_id="T1")
    learner = learner_make(client_id="T2")

    response = rto_user_client.post(_url(learner), edit_data(learner, client_id="T1"))

    assert shows(response, CLIENT_ID_TAKEN.format(client_id="T1"))
    assert Learner.objects.get(pk=learner.pk).client_id == "T2"


def test_the_learner_id_cannot_be_blanked_on_edit(rto_user_client):
    learner = learner_make(client_id="T3")

    response = rto_user_client.post(_url(learner), edit_data(learner, client_id=""))

    assert response.status_code == 200
    assert Learner.objects.get(pk=learner.pk).client_id == "T3"


def test_garbage_on_edit_gives_no_error_page(rto_user_client):
    learner = learner_make()
    for field, value in [
        ("date_of_birth", "32/01/2000"),
        ("usi_verified_on", "yesterday"),
        ("email", "@" * 300),
        ("gender", "<script>"),
    ]:
        response = rto_user_client.post(_url(learner), edit_data(learner, **{field: value}))
        assert response.status_code == 200, field
    assert not _events(learner).exists()


def test_an_unknown_learner_is_not_found(rto_user_client, db):
    assert rto_user_client.get(reverse("learners:edit", args=[999999])).status_code == 404
