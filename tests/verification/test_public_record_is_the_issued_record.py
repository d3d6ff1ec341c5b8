"""The public page and the digital credential state what was issued, from the issuance record
frozen with the number (issue 15, reproduction 5): a learner renamed or an outcome changed
after issue, before anyone opened /v/, changes neither. The digital credential is made right
after the issue; while it cannot be made (its key cannot be unlocked) the page still answers
with the status and says it is being prepared."""

import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from testamur.accounts.roles import Role
from testamur.api.services import api_token_create
from testamur.training.models import UnitEnrolment
from testamur.verification import composition, keys
from testamur.verification.models import DigitalCredential, VcSigningKey
from testamur.verification.verifier import vc_verify
from tests.api.conftest import ApiClient
from tests.verification.helpers import one_issued

pytestmark = pytest.mark.django_db


@pytest.fixture
def credential(rto_admin, django_capture_on_commit_callbacks):
    return one_issued(rto_admin, django_capture_on_commit_callbacks)


def _page(client, credential) -> str:
    response = client.get(reverse("verification:verify", args=[credential.verification_code]))
    assert response.status_code == 200
    return response.content.decode()


def _badge(client, credential) -> dict:
    response = client.get(reverse("verification:verify_vc", args=[credential.verification_code]))
    assert response.status_code == 200
    return json.loads(response.content)


def test_edits_through_the_api_after_issue_change_neither_page_nor_badge(
    client, credential, make_user
):
    user = make_user(Role.USER)
    user_api = ApiClient(user, api_token_create(user=user, name="Student system")[1])
    renamed = user_api.patch(
        f"/learners/{credential.learner_id}", {"given_name": "Mallory", "family_name": "Forger"}
    )
    assert renamed.status_code == 200, renamed.content
    not_achieved = UnitEnrolment.objects.get(
        course_enrolment=credential.course_enrolment, unit__code="BSBXCM401"
    )
    changed = user_api.patch(
        f"/enrolments/{credential.course_enrolment_id}/unit-enrolments/{not_achieved.pk}",
        {"outcome": "20"},
    )
    assert changed.status_code == 200, changed.content

    html = _page(client, credential)
    badge = _badge(client, credential)

    assert "Issued to</dt><dd>Mia Nguyen</dd>" in html
    assert "Mallory" not in html and "Forger" not in html
    assert "BSBXCM401" not in html
    identity = badge["credentialSubject"]["identifier"][0]
    assert identity["identityHash"] == composition.identity_hash("Mia Nguyen", identity["salt"])
    assert "BSBXCM401" not in json.dumps(badge)
    assert vc_verify(badge).valid
    # The verification by number asks for the family name printed, not the new one.
    found = client.post(
        reverse("verification:lookup"), {"number": credential.number, "family_name": "Nguyen"}
    )
    assert found.status_code == 302
    forged = client.post(
        reverse("verification:lookup"), {"number": credential.number, "family_name": "Forger"}
    )
    assert forged.status_code == 404


def test_the_page_answers_while_the_badge_key_is_locked_and_the_badge_follows(
    rto_admin, client, django_capture_on_commit_callbacks, monkeypatch
):
    keys.active_vc_signing_key()
    stored = VcSigningKey.objects.get()
    good = bytes(stored.private_key_encrypted)
    # As after a SECRET_KEY change: the stored key no longer decrypts.
    VcSigningKey.objects.update(private_key_encrypted=b"not the key")
    monkeypatch.setattr(keys, "_cache", {})

    credential = one_issued(rto_admin, django_capture_on_commit_callbacks)

    html = _page(client, credential)
    assert "Valid" in html and "Mia Nguyen" in html
    assert "The digital credential is being prepared" in html
    assert not DigitalCredential.objects.filter(credential=credential).exists()
    vc = client.get(reverse("verification:verify_vc", args=[credential.verification_code]))
    assert vc.status_code == 404

    VcSigningKey.objects.update(private_key_encrypted=good)
    with django_capture_on_commit_callbacks(execute=True):  # the command commits
        call_command("make_digital_credentials")

    assert "being prepared" not in _page(client, credential)
    assert vc_verify(_badge(client, credential)).valid
