"""Staff add a learner; bad input is explained next to the field and nothing is saved."""

import json
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from testamur.core.models import Event
from testamur.learners.models import Learner, UsiStatus
from testamur.learners.services import (
    CLIENT_ID_TAKEN,
    DOB_IN_FUTURE,
    DOB_TOO_EARLY,
    USI_TAKEN,
    VERIFIED_IN_FUTURE,
    learner_create,
    records,
)
from testamur.learners.usi import (
    USI_BAD_CHARACTER,
    USI_BAD_CHECK,
    USI_EXEMPTION_TYPED,
    USI_LOWERCASE,
    USI_WRONG_LENGTH,
)
from testamur.learners.views import LEARNER_ADDED
from tests.factories import learner_make
from tests.learners.helpers import create_data, shows

URL = reverse("learners:create")


def test_a_user_adds_a_learner_and_sees_their_page(rto_user_client, rto_user):
    response = rto_user_client.post(URL, create_data(), follow=True)

    learner = Learner.objects.get()
    assert learner.full_name == "Mia Nguyen"
    assert learner.usi == "BNGH7C75FN"
    assert learner.usi_status == UsiStatus.NOT_VERIFIED
    assert learner.date_of_birth == date(2000, 3, 4)
    assert learner.is_active
    assert response.redirect_chain[-1][0] == reverse("learners:detail", args=[learner.pk])
    assert shows(response, LEARNER_ADDED.format(name="Mia Nguyen", client_id=learner.client_id))
    assert "<h1>Mia Nguyen" in response.content.decode()

    event = Event.objects.get(learner_id=learner.pk)
    assert event.action == "created"
    assert event.actor == rto_user
    assert event.data["email"] == "mia.nguyen@example.com"


def test_the_usi_itself_never_goes_into_the_event_log(rto_user_client):
    rto_user_client.post(URL, create_data(usi="BP6LKB3C7X"))

    event = Event.objects.get(subject_type="learner", action="created")
    assert "BP6LKB3C7X" not in json.dumps(event.data)
    assert event.data["usi"] == "recorded"


def test_a_blank_learner_id_gets_the_next_free_one(rto_user_client):
    learner_make(client_id="L000041")
    learner_make(client_id="X999999")

    rto_user_client.post(URL, create_data(usi="", usi_status="not_supplied"))
    rto_user_client.post(URL, create_data(given_name="Noah", usi="", usi_status="not_supplied"))

    assert Learner.objects.get(given_name="Mia").client_id == "L000042"
    assert Learner.objects.get(given_name="Noah").client_id == "L000043"


def test_the_add_form_says_which_learner_id_it_will_give(rto_user_client):
    learner_make(client_id="L000007")

    response = rto_user_client.get(URL)

    assert shows(response, "L000008")


def test_a_typed_learner_id_is_kept(rto_user_client):
    rto_user_client.post(URL, create_data(client_id="HC-2026-1"))

    assert Learner.objects.get().client_id == "HC-2026-1"


def test_recording_a_verified_usi_on_add_records_who_verified_it(rto_admin_client, rto_admin):
    rto_admin_client.post(
        URL,
        create_data(
            usi_status="verified", usi_verified_on="2026-01-10", usi_evidence="Registry check"
        ),
    )

    learner = Learner.objects.get()
    assert learner.usi_status == UsiStatus.VERIFIED
    assert learner.usi_verified_on == date(2026, 1, 10)
    assert learner.usi_verified_by == rto_admin


@pytest.mark.parametrize(
    "typed,message",
    [
        ("bngh7c75fn", USI_LOWERCASE),
        ("BNGH7C75F", USI_WRONG_LENGTH.format(length=9)),
        ("BNGH7C75FM", USI_BAD_CHECK),
        ("BNGH7C75FO", USI_BAD_CHARACTER.format(char="O")),
        ("INDIV", USI_EXEMPTION_TYPED),
        ("BNGH7C75FN" * 10, USI_WRONG_LENGTH.format(length=100)),
    ],
)
def test_a_bad_usi_is_explained_inline_and_nothing_is_saved(rto_user_client, typed, message):
    response = rto_user_client.post(URL, create_data(usi=typed))

    assert response.status_code == 200
    assert shows(response, message)
    assert 'id="id_usi_error"' in response.content.decode()
    assert Learner.objects.count() == 0
    assert not Event.objects.filter(subject_type="learner").exists()


def test_a_usi_with_an_exemption_status_is_explained(rto_user_client):
    response = rto_user_client.post(URL, create_data(usi_status="exemption_indiv"))

    assert shows(response, "clear the USI to record an exemption")
    assert Learner.objects.count() == 0


def test_a_status_that_needs_a_usi_without_one_is_explained(rto_user_client):
    response = rto_user_client.post(URL, create_data(usi="", usi_status="not_verified"))

    assert shows(response, "Enter the USI, or set the status to Not supplied or an exemption.")
    assert Learner.objects.count() == 0


def test_verified_without_a_date_is_explained(rto_user_client):
    response = rto_user_client.post(URL, create_data(usi_status="verified"))

    assert shows(response, "Enter the date the USI was verified.")
    assert Learner.objects.count() == 0


def test_an_exemption_without_a_usi_is_accepted(rto_user_client):
    rto_user_client.post(URL, create_data(usi="", usi_status="exemption_intoff"))

    learner = Learner.objects.get()
    assert learner.usi is None
    assert learner.usi_status == UsiStatus.EXEMPTION_INTOFF


@pytest.mark.parametrize(
    "dob,message",
    [
        ((date.today() + timedelta(days=2)).isoformat(), DOB_IN_FUTURE),
        ("1899-12-31", DOB_TOO_EARLY),
    ],
)
def test_an_impossible_date_of_birth_is_explained(rto_user_client, dob, message):
    response = rto_user_client.post(URL, create_data(date_of_birth=dob))

    assert shows(response, message)
    assert Learner.objects.count() == 0


def test_a_future_verification_date_is_explained(rto_user_client):
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    response = rto_user_client.post(
        URL, create_data(usi_status="verified", usi_verified_on=tomorrow)
    )

    assert shows(response, VERIFIED_IN_FUTURE)
    assert Learner.objects.count() == 0


def test_a_usi_another_learner_has_names_that_learner(rto_user_client):
    other = learner_make(client_id="T123", usi="BNGH7C75FN")

    response = rto_user_client.post(URL, create_data(usi="BNGH7C75FN"))

    assert shows(response, USI_TAKEN.format(client_id="T123", name=other.full_name))
    assert Learner.objects.count() == 1


def test_a_learner_id_in_use_is_explained(rto_user_client):
    learner_make(client_id="L000001")

    response = rto_user_client.post(URL, create_data(client_id="L000001"))

    assert shows(response, CLIENT_ID_TAKEN.format(client_id="L000001"))
    assert Learner.objects.count() == 1


@pytest.mark.parametrize(
    "field,value",
    [
        ("date_of_birth", "31/02/2020"),
        ("date_of_birth", "not a date"),
        ("date_of_birth", "99999-01-01"),
        ("usi_verified_on", "2026-13-45"),
        ("given_name", "x" * 5000),
        ("family_name", ""),
        ("email", "not-an-email"),
        ("postcode", "123456789"),
        ("client_id", "!!bad id!!"),
        ("client_id", "L" * 50),
        ("gender", "Z"),
        ("state", "XYZ"),
        ("usi_status", "made_up"),
        ("usi", "\x00\x01"),
    ],
)
def test_garbage_input_is_refused_without_an_error_page(rto_user_client, field, value):
    response = rto_user_client.post(URL, create_data(**{field: value}))

    assert response.status_code == 200
    assert shows(response, "Nothing has been saved.")
    assert Learner.objects.count() == 0


def test_names_in_any_script_are_kept_as_typed(rto_user_client):
    family = "Nguyễn-O\u2019Brien"
    response = rto_user_client.post(
        URL, create_data(given_name="Zoë", family_name=family), follow=True
    )

    assert Learner.objects.get().full_name == f"Zoë {family}"
    assert shows(response, f"Zoë {family}")


def test_every_input_has_a_label(rto_user_client):
    html = rto_user_client.get(URL).content.decode()

    for name in create_data():
        assert f'for="id_{name}"' in html, name


def test_the_service_refuses_fields_a_caller_may_not_set(db, rto_user):
    # `usi_verified_by` is a column of Learner, but only the USI verification may set it.
    with pytest.raises(TypeError, match=r"Not learner fields: \['usi_verified_by'\]"):
        learner_create(actor=rto_user, given_name="A", family_name="B", usi_verified_by=rto_user)

    assert not Learner.objects.exists()


def test_a_post_without_the_csrf_token_is_rejected(rto_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(rto_user)

    response = client.post(URL, create_data())

    assert response.status_code == 403
    assert not Learner.objects.exists()


def test_a_generated_id_taken_meanwhile_moves_on_to_the_next(rto_user, monkeypatch):
    learner_make(client_id="L000001")
    offered = iter(["L000001", "L000002"])
    monkeypatch.setattr(records, "learner_next_client_id", lambda: next(offered))

    learner = learner_create(
        actor=rto_user, given_name="Mia", family_name="Nguyen", usi_status="not_supplied"
    )

    assert learner.client_id == "L000002"
