"""Bad input gets a 4xx JSON answer with a reason and changes nothing; never a 500."""

from testamur.api.common import TEXT_INVALID
from testamur.api.errors import BODY_NOT_JSON, BODY_TOO_LARGE, REQUEST_INVALID
from testamur.core.views import API_NOT_FOUND
from testamur.learners.models import Learner
from tests.credentials.helpers import completed_offer, requested


def _error(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"detail", "errors"} and body["detail"]
    return body


def test_malformed_json_is_400(owner_api):
    body = _error(owner_api.post("/learners", raw='{"given_name": "Ann",'), 400)
    assert body["detail"] == BODY_NOT_JSON
    assert not Learner.objects.exists()


def test_wrong_types_are_422_with_each_field_named(owner_api):
    body = _error(
        owner_api.post(
            "/learners",
            {"given_name": 7, "family_name": "Lee", "is_active": "yes", "date_of_birth": 0},
        ),
        422,
    )
    assert body["detail"] == REQUEST_INVALID
    fields = {tuple(e["loc"]) for e in body["errors"]}
    assert {("body", "given_name"), ("body", "is_active"), ("body", "date_of_birth")} <= fields
    assert not Learner.objects.exists()


def test_unknown_fields_are_refused_not_ignored(owner_api):
    body = _error(owner_api.post("/learners", {"given_name": "A", "family_nam": "B"}), 422)
    assert ["body", "family_nam"] in [e["loc"] for e in body["errors"]]


def test_a_broken_rule_is_422_with_the_services_message(owner_api):
    body = _error(
        owner_api.post(
            "/learners",
            {
                "given_name": "A",
                "family_name": "B",
                "usi": "BNGH7C75FM",
                "usi_status": "not_verified",
            },
        ),
        422,
    )
    assert body["errors"][0]["loc"] == ["body", "usi"]
    assert "check character" in body["errors"][0]["msg"]


def test_text_the_database_cannot_store_is_422(owner_api):
    body = _error(owner_api.post("/learners", {"given_name": "a\x00b", "family_name": "B"}), 422)
    assert body["errors"][0]["msg"].endswith(TEXT_INVALID)
    _error(owner_api.post("/learners", {"given_name": "a\ud800", "family_name": "B"}), 422)
    _error(owner_api.get("/learners", {"q": "a\x00b"}), 422)
    assert not Learner.objects.exists()


def test_unknown_ids_are_404(owner_api):
    for path in ("/learners/999999", "/credentials/999999", "/runs/999999", "/enrolments/999999"):
        _error(owner_api.get(path), 404)


def test_ids_out_of_range_or_not_numbers_are_422(owner_api):
    for path in ("/learners/0", "/learners/-3", "/learners/abc", f"/learners/{2**64}"):
        _error(owner_api.get(path), 422)
    _error(owner_api.get("/learners", {"page": 10**12}), 422)
    _error(owner_api.get("/learners", {"page_size": 500}), 422)
    _error(owner_api.get("/credentials", {"after": 2**64}), 422)
    _error(owner_api.get("/credentials", {"page_size": 0}), 422)


def test_a_referenced_record_that_does_not_exist_is_422_naming_the_field(owner_api):
    body = _error(owner_api.post("/enrolments", {"learner": 999999, "offer": 999999}), 422)
    assert body["errors"][0]["loc"] == ["body", "learner"]


def test_other_learners_records_are_not_found_in_nested_routes(owner_api, db):
    mine, theirs = completed_offer(2, units=2)
    credential = requested([theirs])[0]
    learner = mine.learner_id
    _error(owner_api.get(f"/learners/{learner}/enrolments/{theirs.pk}"), 404)
    _error(owner_api.get(f"/learners/{learner}/credentials/{credential.pk}"), 404)
    other_unit = theirs.unit_enrolments.first()
    _error(owner_api.get(f"/enrolments/{mine.pk}/unit-enrolments/{other_unit.pk}"), 404)
    response = owner_api.patch(
        f"/enrolments/{mine.pk}/unit-enrolments/{other_unit.pk}", {"outcome": "30"}
    )
    _error(response, 404)
    other_unit.refresh_from_db()
    assert other_unit.outcome.code == "20"
    # Their own records are found.
    assert owner_api.get(f"/learners/{learner}/enrolments/{mine.pk}").status_code == 200


def test_an_oversized_body_is_413(owner_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = _error(owner_api.post("/learners", raw='{"given_name": "' + "x" * 2000 + '"}'), 413)
    assert body["detail"] == BODY_TOO_LARGE.format(limit=1000)
    headers = {"Idempotency-Key": "big-one"}
    _error(owner_api.post("/learners", raw="[" + "1," * 1000 + "1]", headers=headers), 413)


def test_an_unknown_api_address_is_404_json(owner_api):
    body = _error(owner_api.get("/no-such-thing/"), 404)
    assert body["detail"] == API_NOT_FOUND


def test_an_unsupported_method_is_405(owner_api):
    response = owner_api.client.put("/api/v1/learners", "{}", content_type="application/json")
    assert response.status_code == 405
    assert "GET" in response["Allow"]
