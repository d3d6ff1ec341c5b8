import json

import pytest
from django.test import Client

from testamur.accounts.roles import Role
from testamur.api.services import api_token_create


class ApiClient:
    """A client that sends a bearer token and JSON, as an integrating system would."""

    def __init__(self, user, secret: str):
        self.user = user
        self.secret = secret
        self.client = Client()

    def _headers(self, headers):
        return {"Authorization": f"Bearer {self.secret}", **(headers or {})}

    def get(self, path, params=None, headers=None):
        return self.client.get(f"/api/v1{path}", params or {}, headers=self._headers(headers))

    def _send(self, method, path, data, headers, raw):
        body = raw if raw is not None else json.dumps(data if data is not None else {})
        return getattr(self.client, method)(
            f"/api/v1{path}",
            body,
            content_type="application/json",
            headers=self._headers(headers),
        )

    def post(self, path, data=None, headers=None, raw=None):
        return self._send("post", path, data, headers, raw)

    def patch(self, path, data=None, headers=None, raw=None):
        return self._send("patch", path, data, headers, raw)

    def delete(self, path, headers=None):
        return self.client.delete(f"/api/v1{path}", headers=self._headers(headers))


@pytest.fixture
def api_for(make_user):
    """api_for(Role.ADMIN) → an ApiClient with a fresh token of a new staff member."""

    def make(role: Role, user=None) -> ApiClient:
        user = user or make_user(role)
        _, secret = api_token_create(user=user, name=f"Test token {user.pk}")
        return ApiClient(user, secret)

    return make


@pytest.fixture
def owner_api(api_for):
    return api_for(Role.OWNER)


@pytest.fixture
def admin_api(api_for):
    return api_for(Role.ADMIN)


@pytest.fixture
def user_api(api_for):
    return api_for(Role.USER)
