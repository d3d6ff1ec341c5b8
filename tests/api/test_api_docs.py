"""The OpenAPI schema and the interactive docs, for staff only."""

import pytest

from testamur.api.errors import UNAUTHORIZED

pytestmark = pytest.mark.django_db


def test_signed_in_staff_read_the_interactive_docs(rto_user_client):
    response = rto_user_client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page and "/api/v1/openapi.json" in page
    # Served from this deployment, not a CDN.
    assert "/static/ninja/swagger-ui-bundle.js" in page


def test_the_schema_describes_every_resource_and_the_bearer_token(user_api):
    schema = user_api.get("/openapi.json").json()
    assert schema["info"]["title"] == "Testamur API"
    assert schema["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
    paths = set(schema["paths"])
    for path in (
        "/api/v1/learners",
        "/api/v1/learners/{learner_id}/usi",
        "/api/v1/courses",
        "/api/v1/offers",
        "/api/v1/enrolments/{enrolment_id}/unit-enrolments/{unit_enrolment_id}",
        "/api/v1/credentials",
        "/api/v1/credentials/request-bulk",
        "/api/v1/credentials/{credential_id}/cancel",
        "/api/v1/credentials/{credential_id}/document",
        "/api/v1/runs/issue",
        "/api/v1/runs/{run_id}",
    ):
        assert path in paths
    issue = schema["paths"]["/api/v1/runs/issue"]["post"]
    assert "Idempotency-Key" in [p["name"] for p in issue["parameters"]]
    assert {"202", "403", "409", "422"} <= set(issue["responses"])


def test_strangers_get_neither(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 401 and response.json()["detail"] == UNAUTHORIZED
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 302 and docs["Location"].startswith("/login/")
