"""The signed credential verifies with an independent Data Integrity verifier too.

Digital Bazaar's JavaScript stack (@digitalbazaar/vc, data-integrity, eddsa-rdfc-2022
cryptosuite, vc-bitstring-status-list; versions pinned in js/package-lock.json, installed
from the npm registry with `npm ci` on first use) checks the proof, that the issuer document
lists the key under assertionMethod, and the status list. It fetches nothing: the documents
it may load are handed to it.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from testamur.credentials.services import credential_cancel
from testamur.verification import dids
from testamur.verification.contexts import BUNDLED, MULTIKEY_V1, document_loader
from testamur.verification.keys import vc_signing_key_rotate
from tests.verification.helpers import one_issued

# One worker runs these, so `npm ci` runs once.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("node")]

JS = Path(__file__).parent / "js"


@pytest.fixture(scope="session")
def node_verifier():
    if not (shutil.which("node") and shutil.which("npm")):
        if os.environ.get("CI"):
            pytest.fail("node and npm are needed for the independent verifier (apt nodejs npm)")
        pytest.skip("node and npm are not installed")
    # npm writes its hidden lockfile last: without it an earlier install was cut short.
    if not (JS / "node_modules" / ".package-lock.json").exists():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],  # noqa: S607
            cwd=JS,
            check=True,
            timeout=300,
        )

    def verify(credential: dict, documents: dict) -> dict:
        result = subprocess.run(
            ["node", str(JS / "verify.mjs")],  # noqa: S607
            input=json.dumps({"credential": credential, "documents": documents}),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    return verify


def _documents(client, vc: dict) -> dict:
    """What a verifier would fetch: the contexts, the issuer, its key and the status list."""
    documents = {url: document_loader(url)["document"] for url in BUNDLED}
    issuer_id = vc["issuer"]["id"]
    if issuer_id.startswith("did:web:"):
        issuer = json.loads(client.get("/.well-known/did.json").content)
        methods = issuer["verificationMethod"]
    elif issuer_id.startswith("did:key:"):
        issuer = dids.did_key_document(issuer_id)
        methods = issuer["verificationMethod"]
    else:
        issuer = json.loads(client.get(reverse("verification:issuer")).content)
        methods = issuer["assertionMethod"]
    assert issuer["id"] == issuer_id
    documents[issuer["id"]] = issuer
    # A DID's method is read with the DID document's contexts (the dates' inline one too).
    context = issuer["@context"] if issuer_id.startswith("did:web:") else MULTIKEY_V1
    for method in methods:
        documents[method["id"]] = {"@context": context, **method}
    list_url = vc["credentialStatus"]["statusListCredential"]
    documents[list_url] = json.loads(client.get("/vc/" + list_url.split("/vc/", 1)[1]).content)
    return documents


@pytest.fixture(params=["did:web", "did:key", "url"])
def issued_vc(request, client, rto_admin, django_capture_on_commit_callbacks, settings):
    settings.PUBLIC_BASE_URL = "https://credentials.harbourcity.example"
    settings.VC_ISSUER = request.param
    credential = one_issued(rto_admin, django_capture_on_commit_callbacks)
    url = reverse("verification:verify_vc", args=[credential.verification_code])
    return credential, json.loads(client.get(url).content)


def test_digital_bazaar_verifies_the_credential(client, issued_vc, node_verifier):
    _, vc = issued_vc
    result = node_verifier(vc, _documents(client, vc))
    assert result["verified"], result["errors"]
    assert result["revoked"] is False


def test_digital_bazaar_verifies_what_a_retired_key_signed(
    client, rto_admin, django_capture_on_commit_callbacks, settings, node_verifier
):
    """The DID document dates the retired key (validUntil): verifiers still accept it."""
    settings.PUBLIC_BASE_URL = "https://credentials.harbourcity.example"
    credential = one_issued(rto_admin, django_capture_on_commit_callbacks)
    vc_signing_key_rotate(actor=rto_admin)
    vc = json.loads(
        client.get(reverse("verification:verify_vc", args=[credential.verification_code])).content
    )
    documents = _documents(client, vc)
    assert "validUntil" in documents[vc["proof"][0]["verificationMethod"]]
    result = node_verifier(vc, documents)
    assert result["verified"], result["errors"]


def test_digital_bazaar_rejects_a_changed_credential(client, issued_vc, node_verifier):
    _, vc = issued_vc
    documents = _documents(client, vc)
    vc["credentialSubject"]["achievement"]["name"] = "Diploma of Forgery"
    result = node_verifier(vc, documents)
    assert not result["verified"]
    assert any("signature" in e.lower() for e in result["errors"]), result["errors"]


def test_digital_bazaar_sees_the_revocation(client, issued_vc, node_verifier, rto_admin):
    credential, vc = issued_vc
    credential_cancel(actor=rto_admin, credential=credential, reason="Issued in error")
    result = node_verifier(vc, _documents(client, vc))
    assert result["revoked"] is True
    # The signature itself is still intact: revoked is what makes it no longer valid.
    assert result["verified"], result["errors"]
