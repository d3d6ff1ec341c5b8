"""The API answers 429 JSON with Retry-After past its request limit, per client address."""

import pytest

from testamur.api.errors import TOO_MANY_REQUESTS

pytestmark = pytest.mark.django_db


def test_past_the_limit_the_api_answers_429_with_retry_after(user_api, settings):
    settings.RATE_LIMITS = {"api": (2, 60)}
    assert user_api.get("/learners").status_code == 200
    assert user_api.get("/learners").status_code == 200

    refused = user_api.get("/learners")

    assert refused.status_code == 429
    assert refused.json() == {"detail": TOO_MANY_REQUESTS, "errors": []}
    assert int(refused["Retry-After"]) > 0
    other = user_api.client.get(
        "/api/v1/learners",
        headers={"Authorization": f"Bearer {user_api.secret}"},
        REMOTE_ADDR="192.0.2.99",
    )
    assert other.status_code == 200
