"""W3C VC-API: POST /credentials/verify (public, rate-limited) and POST /credentials/issue
(staff tokens only, through an issue run; never JSON it is given)."""

import json

import pytest
from django.core.cache import cache

from testamur.accounts.roles import Role
from testamur.api import vc_api
from testamur.credentials.models import Credential, CredentialStatus
from testamur.credentials.services import credential_cancel
from testamur.verification import checking
from testamur.verification.models import DigitalCredential
from testamur.verification.views import verifier
from tests.credentials.helpers import generated, requested
from tests.factories import learner_make
from tests.verification.helpers import enrolments_for, one_issued

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _https_base(settings):
    settings.PUBLIC_BASE_URL = "https://credentials.harbourcity.example"


def _verify(client, body, **extra):
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post("/credentials/verify", data, content_type="application/json", **extra)


def _issue(client, body, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post("/credentials/issue", data, content_type="application/json", headers=headers)


def test_verify_answers_with_the_vc_api_result(
    client, rto_admin, django_capture_on_commit_callbacks
):
    credential = one_issued(rto_admin, django_capture_on_commit_callbacks)
    vc = DigitalCredential.objects.get(credential=credential).signed
    response = _verify(client, {"verifiableCredential": vc, "options": {}})
    assert response.status_code == 200
    result = json.loads(response.content)
    assert result["verified"] is True
    assert result["checks"] == ["proof", "status"]
    assert result["errors"] == []
    assert result["status"] == "valid"
    assert result["issuer"]["known"] is True

    credential_cancel(actor=rto_admin, credential=credential, reason="Issued in error")
    result = json.loads(_verify(client, {"verifiableCredential": vc}).content)
    assert result["verified"] is False
    assert result["status"] == "revoked"


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (b"{not json", 400, verifier.VC_API_MALFORMED),
        (b"\xff\xfe", 400, verifier.VC_API_MALFORMED),
        ([1, 2], 400, verifier.VC_API_MALFORMED),
        ({"credential": {}}, 400, verifier.VC_API_NO_CREDENTIAL),
        ("[" * 150_000 + "]" * 150_000, 413, checking.TOO_LARGE.format(limit="256 KB")),
        ("[" * 50_000 + "]" * 50_000, 400, verifier.VC_API_MALFORMED),
    ],
    ids=["malformed", "not utf-8", "array", "no credential", "huge", "deeply nested"],
)
def test_verify_refuses_bad_input_with_a_reason_never_a_500(client, body, status, error):
    response = _verify(client, body)
    assert response.status_code == status
    assert json.loads(response.content)["errors"] == [error]


def test_verify_refuses_an_unknown_context_without_fetching_it(client):
    vc = {
        "@context": ["https://www.w3.org/ns/credentials/v2", "http://127.0.0.1:9/never"],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:x",
        "credentialSubject": {"id": "did:example:y"},
    }
    result = json.loads(_verify(client, {"verifiableCredential": vc}).content)
    assert result["verified"] is False
    assert result["errors"] == [
        "The JSON-LD context http://127.0.0.1:9/never is not one Testamur bundles; it is never "
        "fetched."
    ]


def test_verify_is_rate_limited(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "verify": (2, 60)}
    cache.clear()
    for _ in range(2):
        assert _verify(client, {"verifiableCredential": {}}).status_code == 200
    response = _verify(client, {"verifiableCredential": {}})
    assert response.status_code == 429
    assert response["Retry-After"]


@pytest.fixture
def generated_credential(rto_admin, django_capture_on_commit_callbacks) -> Credential:
    (enrolment,) = enrolments_for([learner_make(given_name="Mia", family_name="Nguyen")])
    (credential,) = generated(
        rto_admin,
        requested([enrolment], "statement_of_attainment"),
        django_capture_on_commit_callbacks,
    )
    return credential


def test_issue_runs_the_issue_and_returns_the_signed_credential(
    client, api_for, generated_credential, django_capture_on_commit_callbacks
):
    admin = api_for(Role.ADMIN)
    body = {"credential": {"id": f"urn:testamur:credential:{generated_credential.pk}"}}
    with django_capture_on_commit_callbacks(execute=True):
        response = _issue(client, body, admin.secret)
        # The issue run is queued (documents are never rendered inside a web request).
        assert response.status_code == 202, response.content
        queued = json.loads(response.content)
        assert queued["status"] == "queued"
        assert queued["location"] == f"/api/v1/runs/{queued['run']}"
    # Once the run has finished, asking again answers with the signed credential.
    response = _issue(client, body, admin.secret)
    assert response.status_code == 200, response.content
    vc = json.loads(response.content)["verifiableCredential"]
    generated_credential.refresh_from_db()
    assert generated_credential.status == CredentialStatus.ISSUED
    assert generated_credential.issuance.number in vc["name"]
    assert checking.credential_check(vc).verified


def test_issue_never_signs_json_it_is_given(client, api_for, generated_credential):
    admin = api_for(Role.ADMIN)
    forged = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": "did:web:credentials.harbourcity.example",
        "credentialSubject": {"name": "Diploma of Forgery"},
    }
    for credential in (
        forged,
        {**forged, "id": f"urn:testamur:credential:{generated_credential.pk}"},
    ):
        response = _issue(client, {"credential": credential}, admin.secret)
        assert response.status_code == 422
        assert json.loads(response.content)["errors"] == [vc_api.ARBITRARY_REFUSED]
    generated_credential.refresh_from_db()
    assert generated_credential.status == CredentialStatus.GENERATED


def test_issue_needs_a_staff_token_of_someone_who_may_issue(
    client, api_for, generated_credential, rto_admin
):
    body = {"credential": {"id": f"urn:testamur:credential:{generated_credential.pk}"}}
    response = _issue(client, body)
    assert response.status_code == 401
    assert json.loads(response.content)["errors"] == [vc_api.UNAUTHORIZED]
    client.force_login(rto_admin)  # a session is not a token
    assert _issue(client, body).status_code == 401
    response = _issue(client, body, api_for(Role.USER).secret)
    assert response.status_code == 403
    assert json.loads(response.content)["errors"] == [vc_api.FORBIDDEN]
    generated_credential.refresh_from_db()
    assert generated_credential.status == CredentialStatus.GENERATED


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ("nope", 400, vc_api.MALFORMED),
        ({"credential": {"id": "urn:testamur:credential:999999"}}, 404, None),
        (
            {"credential": {"id": "urn:testamur:credential:{pk}"}, "options": {"issuedDate": "x"}},
            422,
            vc_api.BAD_DATE,
        ),
    ],
    ids=["malformed", "unknown", "bad date"],
)
def test_issue_refuses_bad_requests(client, api_for, generated_credential, body, status, error):
    if isinstance(body, dict):
        body = json.loads(json.dumps(body).replace("{pk}", str(generated_credential.pk)))
    response = _issue(client, body, api_for(Role.ADMIN).secret)
    assert response.status_code == status
    expected = error or vc_api.NOT_FOUND.format(ref="urn:testamur:credential:999999")
    assert json.loads(response.content)["errors"] == [expected]
