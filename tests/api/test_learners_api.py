"""Learners through the API: search, add, edit, USI status and verification, active flag."""

import pytest

from testamur.core.models import Event
from testamur.learners.models import Learner, UsiStatus
from testamur.learners.services import EVIDENCE_REQUIRED, USI_TAKEN
from tests.factories import learner_make

pytestmark = pytest.mark.django_db


def test_search_and_filter_like_the_learners_page(user_api):
    ann = learner_make(given_name="Ann", family_name="Nguyen")
    learner_make(given_name="Bob", family_name="Smith", usi_status=UsiStatus.NOT_SUPPLIED)
    learner_make(given_name="Cat", family_name="Nguyen", is_active=False)

    found = user_api.get("/learners", {"q": "nguyen ann"}).json()
    assert [item["id"] for item in found["items"]] == [ann.pk]
    unverified = user_api.get("/learners", {"usi_status": "unverified"}).json()
    assert [item["given_name"] for item in unverified["items"]] == ["Bob"]
    inactive = user_api.get("/learners", {"active": "false"}).json()
    assert [item["given_name"] for item in inactive["items"]] == ["Cat"]


def test_lists_are_paged(user_api):
    for n in range(5):
        learner_make(family_name=f"Paged{n}")
    page = user_api.get("/learners", {"page": 2, "page_size": 2}).json()
    assert (page["count"], page["page"], page["page_size"], page["pages"]) == (5, 2, 2, 3)
    assert [item["family_name"] for item in page["items"]] == ["Paged2", "Paged3"]


def test_add_a_learner_with_a_generated_learner_id(user_api):
    response = user_api.post(
        "/learners",
        {"given_name": "Ann", "family_name": "Lee", "email": "ann@example.com", "state": "NSW"},
    )
    assert response.status_code == 201
    learner = Learner.objects.get()
    assert response.json()["client_id"] == learner.client_id == "L000001"
    event = Event.objects.get(subject_type="learner", action="created")
    assert event.actor == user_api.user


def test_a_usi_already_used_is_refused_with_whose_it_is(user_api):
    other = learner_make()
    response = user_api.post(
        "/learners",
        {"given_name": "A", "family_name": "B", "usi": other.usi, "usi_status": "not_verified"},
    )
    assert response.status_code == 422
    message = USI_TAKEN.format(client_id=other.client_id, name=other.full_name)
    assert {"loc": ["body", "usi"], "msg": message, "type": "rule"} in response.json()["errors"]


def test_edit_changes_only_the_fields_sent_and_a_new_usi_needs_verifying(user_api):
    learner = learner_make(phone="0400 000 000")
    response = user_api.patch(
        f"/learners/{learner.pk}", {"usi": "BNGH7C75FN", "email": "new@example.com"}
    )
    assert response.status_code == 200
    learner.refresh_from_db()
    assert (learner.email, learner.phone) == ("new@example.com", "0400 000 000")
    assert learner.usi_status == UsiStatus.NOT_VERIFIED
    assert response.json()["usi_status"] == "not_verified"


def test_usi_status_and_recording_its_verification(user_api):
    learner = learner_make(usi="BNGH7C75FN", usi_status=UsiStatus.NOT_VERIFIED)
    status = user_api.get(f"/learners/{learner.pk}/usi").json()
    assert (status["usi_status"], status["cleared_for_issue"]) == ("not_verified", False)

    missing = user_api.post(
        f"/learners/{learner.pk}/usi/verify", {"usi_verified_on": "2026-11-01", "usi_evidence": ""}
    )
    assert missing.status_code == 422
    assert missing.json()["errors"][0] == {
        "loc": ["body", "usi_evidence"],
        "msg": EVIDENCE_REQUIRED,
        "type": "rule",
    }

    verified = user_api.post(
        f"/learners/{learner.pk}/usi/verify",
        {"usi_verified_on": "2026-11-01", "usi_evidence": "USI Registry check"},
    ).json()
    assert verified["usi_status"] == "verified" and verified["cleared_for_issue"] is True
    assert verified["usi_verified_by"] == user_api.user.display_name


def test_mark_inactive_with_a_reason(admin_api):
    learner = learner_make()
    response = admin_api.post(
        f"/learners/{learner.pk}/active", {"is_active": False, "reason": "Moved overseas"}
    )
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert Event.objects.get(action="deactivated").reason == "Moved overseas"
    again = admin_api.post(f"/learners/{learner.pk}/active", {"is_active": False})
    assert again.status_code == 422


def test_a_user_cannot_mark_a_learner_inactive(user_api):
    learner = learner_make()
    response = user_api.post(f"/learners/{learner.pk}/active", {"is_active": False})
    assert response.status_code == 403
    learner.refresh_from_db()
    assert learner.is_active


def test_avetmiss_client_details_are_codes_in_and_out(user_api):
    response = user_api.post(
        "/learners",
        {
            "given_name": "Linh",
            "family_name": "Tran",
            "language": "6302",
            "english_proficiency": "2",
            "country_of_birth": "5105",
            "school_level": "12",
            "school_level_year": 2008,
            "labour_force_status": "02",
            "disability_types": ["14"],
            "prior_educations": [{"achievement": "514", "recognition": "A"}],
        },
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["language"], body["country_of_birth"], body["school_level_year"]) == (
        "6302",
        "5105",
        2008,
    )
    # Giving the types and achievements answers Yes to their questions.
    assert (body["disability"], body["disability_types"]) == ("Y", ["14"])
    assert body["prior_educations"] == [{"achievement": "514", "recognition": "A"}]
    assert (body["prior_education"], body["indigenous_status"]) == ("Y", None)

    changed = user_api.patch(f"/learners/{body['id']}", {"disability": "N"}).json()
    assert (changed["disability"], changed["disability_types"]) == ("N", [])
    assert changed["language"] == "6302"  # not sent, not changed


def test_an_unknown_avetmiss_code_is_refused_by_field(user_api):
    from testamur.learners.services import NOT_IN_CODE_LIST

    response = user_api.post(
        "/learners", {"given_name": "A", "family_name": "B", "country_of_birth": "9999"}
    )

    assert response.status_code == 422
    message = NOT_IN_CODE_LIST.format(code="9999", list="country")
    assert {"loc": ["body", "country_of_birth"], "msg": message, "type": "rule"} in response.json()[
        "errors"
    ]
    assert not Learner.objects.exists()


def test_a_street_address_sent_as_one_line_is_split_into_its_parts(user_api):
    body = user_api.post(
        "/learners",
        {"given_name": "A", "family_name": "B", "address_line": "Level 2, 5/17 Smith Street"},
    ).json()

    assert (
        body["address_building"],
        body["address_unit"],
        body["address_street_number"],
        body["address_street_name"],
    ) == ("Level 2", "5", "17", "Smith Street")
    assert body["address_line"] == "Level 2, 5/17 Smith Street"
