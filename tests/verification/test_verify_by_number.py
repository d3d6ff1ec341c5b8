"""Verify by credential number and family name; the same answer for every miss; rate limits."""

import pytest
from django.urls import reverse

from tests.verification.helpers import one_issued, without_csrf

pytestmark = pytest.mark.django_db


@pytest.fixture
def credential(rto_admin, django_capture_on_commit_callbacks):
    return one_issued(rto_admin, django_capture_on_commit_callbacks, family_name="O'Brien")


def _lookup(client, number, family_name):
    return client.post(
        reverse("verification:lookup"), {"number": number, "family_name": family_name}
    )


def test_the_form_is_public(client):
    response = client.get(reverse("verification:lookup"))
    assert response.status_code == 200
    assert b"Credential number" in response.content
    assert b"family name" in response.content


def test_number_and_family_name_lead_to_the_credential_page(client, credential):
    response = _lookup(client, f" {credential.number.lower()} ", "  o'brien ")
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "verification:verify", args=[credential.verification_code]
    )
    assert b"Valid" in client.get(response["Location"]).content


@pytest.mark.parametrize("typed", ["obrien", "O’BRIEN", "Oʻ Brien", "o-brien"])
def test_the_family_name_matches_however_the_apostrophe_is_typed(client, credential, typed):
    response = _lookup(client, credential.number, typed)
    assert response.status_code == 302


def test_accents_and_hyphens_in_the_printed_family_name_need_not_be_typed(
    client, rto_admin, django_capture_on_commit_callbacks
):
    credential = one_issued(
        rto_admin,
        django_capture_on_commit_callbacks,
        given_name="Ngā",
        family_name="O'Brien-Müller",
    )
    assert _lookup(client, credential.number, "obrien muller").status_code == 302
    assert _lookup(client, credential.number, "OBRIEN-MÜLLER").status_code == 302
    assert _lookup(client, credential.number, "Muller").status_code == 404


def test_a_wrong_name_looks_exactly_like_an_unknown_number(client, credential):
    wrong_name = _lookup(client, credential.number, "Smith")
    unknown_number = _lookup(client, "TM-999999", "O'Brien")
    unknown_code = client.get(reverse("verification:verify", args=["C" * 22]))
    assert wrong_name.status_code == unknown_number.status_code == unknown_code.status_code == 404
    assert without_csrf(wrong_name.content) == without_csrf(unknown_number.content)
    assert without_csrf(wrong_name.content) == without_csrf(unknown_code.content)
    assert b"Credential not found" in wrong_name.content
    assert credential.verification_code.encode() not in wrong_name.content


def test_an_empty_form_shows_what_is_missing(client):
    response = _lookup(client, "", "")
    assert response.status_code == 200
    assert b"This field is required." in response.content


def test_too_many_lookups_get_a_429_page(client, credential, settings):
    settings.RATE_LIMITS = {"lookup": (3, 600)}
    for _ in range(3):
        assert _lookup(client, "TM-999999", "Nobody").status_code == 404
    response = _lookup(client, credential.number, "O'Brien")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert b"Too many requests have come from your network" in response.content
    # Another address is not affected.
    other = client.post(
        reverse("verification:lookup"),
        {"number": credential.number, "family_name": "O'Brien"},
        REMOTE_ADDR="192.0.2.7",
    )
    assert other.status_code == 302


def test_the_verification_page_is_rate_limited_too(client, credential, settings):
    settings.RATE_LIMITS = {"verify": (2, 60)}
    url = reverse("verification:verify", args=[credential.verification_code])
    assert client.get(url).status_code == 200
    assert client.get(reverse("verification:verify", args=["D" * 22])).status_code == 404
    response = client.get(url)
    assert response.status_code == 429
    assert b"Too many requests" in response.content
