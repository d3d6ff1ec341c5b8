"""Verify one learner's USI with the USI Registry System (the simulator, over HTTP)."""

import html
from datetime import date

import pytest
from django.urls import reverse

from testamur.core.models import Event
from testamur.learners.models import UsiStatus, UsiVerification
from testamur.learners.usi_registry import services
from testamur.learners.usi_registry.views import NOT_VERIFIED, VERIFIED
from tests.factories import learner_make, make_usi

pytestmark = pytest.mark.django_db

BORN = date(1996, 4, 12)


def _unverified(**fields):
    values = {
        "given_name": "Mia",
        "family_name": "Rossi",
        "date_of_birth": BORN,
        "usi_status": UsiStatus.NOT_VERIFIED,
        "usi": make_usi(700000 + hash(fields.get("family_name", "Rossi")) % 1000),
    }
    values.update(fields)
    return learner_make(**values)


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _verify(client, learner):
    return client.post(reverse("learners:registry_verify", args=[learner.pk]), follow=True)


def test_matching_details_verify_the_usi_and_record_who_when_and_the_request(
    usi_registry, rto_user_client, rto_user
):
    learner = _unverified()
    usi_registry.knows(learner)

    response = _verify(rto_user_client, learner)

    assert VERIFIED.format(name=learner.full_name) in _text(response)
    learner.refresh_from_db()
    assert learner.usi_status == UsiStatus.VERIFIED
    assert learner.usi_verified_by == rto_user
    check = UsiVerification.objects.get(learner=learner)
    assert check.result == "verified"
    assert (check.first_name_match, check.family_name_match, check.date_of_birth_match) == (
        "Match",
        "Match",
        "Match",
    )
    assert check.requested_by == rto_user and check.request_id.startswith("urn:uuid:")
    assert check.request_id in learner.usi_evidence
    # The learner page shows the answer and the request's id.
    page = _text(rto_user_client.get(reverse("learners:detail", args=[learner.pk])))
    assert "USI Registry System" in page and check.request_id in page
    assert Event.objects.filter(learner_id=learner.pk, action="registry_verified").exists()
    assert usi_registry.simulator.received == [learner.usi]


def test_a_name_mismatch_is_not_verified_and_says_which_name(usi_registry, rto_user_client):
    learner = _unverified(family_name="Rossi")
    usi_registry.knows(learner, family_name="Russo")

    response = _verify(rto_user_client, learner)

    check = UsiVerification.objects.get(learner=learner, family_name_match="NoMatch")
    assert check.result == "mismatch" and check.first_name_match == "Match"
    shown = NOT_VERIFIED.format(name=learner.full_name, summary=check.summary())
    assert shown in _text(response)
    assert "family name" in check.summary()
    learner.refresh_from_db()
    assert learner.usi_status == UsiStatus.NOT_VERIFIED


def test_a_date_of_birth_mismatch_undoes_an_earlier_verification(usi_registry, rto_user_client):
    learner = learner_make(given_name="Ava", family_name="Kelly", date_of_birth=BORN)
    assert learner.usi_status == UsiStatus.VERIFIED
    usi_registry.knows(learner, date_of_birth=date(1996, 4, 21))

    _verify(rto_user_client, learner)

    learner.refresh_from_db()
    assert learner.usi_status == UsiStatus.NOT_VERIFIED
    assert learner.usi_verified_on is None
    check = learner.usi_verifications.get()
    assert check.result == "mismatch" and check.date_of_birth_match == "NoMatch"
    assert "date of birth" in check.summary()


def test_a_learner_known_by_one_name_is_sent_as_a_single_name(usi_registry, rto_user_client):
    # The built-in data set knows one person by a single name: Sukarno.
    record = next(r for r in usi_registry.simulator.records.values() if r.single_name)
    learner = _unverified(
        given_name=record.single_name,
        family_name=record.single_name,
        usi=record.usi,
        date_of_birth=record.date_of_birth,
    )

    _verify(rto_user_client, learner)

    check = learner.usi_verifications.get()
    assert check.single_name == "Sukarno" and check.first_name == ""
    assert check.result == "verified" and check.single_name_match == "Match"


def test_first_and_family_names_are_retried_as_a_single_name_when_the_answer_suggests_it(
    usi_registry, rto_user_client
):
    learner = _unverified(given_name="Budi", family_name="Santoso")
    usi_registry.knows(learner, first_name="", family_name="", single_name="Santoso")

    _verify(rto_user_client, learner)

    learner.refresh_from_db()
    assert learner.usi_status == UsiStatus.VERIFIED
    check = learner.usi_verifications.get()
    assert check.single_name == "Santoso" and check.single_name_match == "Match"
    assert usi_registry.simulator.calls == [("VerifyUSI", 1), ("VerifyUSI", 1)]


def test_an_unknown_usi_is_invalid(usi_registry, rto_user_client):
    learner = _unverified()

    response = _verify(rto_user_client, learner)

    check = learner.usi_verifications.get()
    assert check.result == "invalid" and check.usi_status == "Invalid"
    assert "USI invalid" in _text(response)
    learner.refresh_from_db()
    assert learner.usi_status == UsiStatus.NOT_VERIFIED


def test_a_deactivated_usi_is_not_verified(usi_registry, rto_user_client):
    learner = _unverified()
    usi_registry.knows(learner, status="Deactivated")

    response = _verify(rto_user_client, learner)

    assert "USI deactivated" in _text(response)
    assert learner.usi_verifications.get().result == "deactivated"
    learner.refresh_from_db()
    assert learner.usi_status == UsiStatus.NOT_VERIFIED


def test_a_learner_without_a_date_of_birth_is_not_sent(usi_registry, rto_user_client):
    learner = _unverified(date_of_birth=None)

    response = _verify(rto_user_client, learner)

    assert services.NO_DATE_OF_BIRTH in _text(response)
    assert usi_registry.simulator.received == []
    assert not learner.usi_verifications.exists()


def test_verifying_needs_a_signed_in_person_who_may_edit_learners(usi_registry, client):
    learner = _unverified()
    response = client.post(reverse("learners:registry_verify", args=[learner.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert usi_registry.simulator.received == []
