"""Baked badges: the signed credential inside its PNG and SVG badge, downloadable from the
verification page and the portal, read back by unbake — and unbake is safe on any bytes."""

import io
import json
import time
import zlib

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from PIL import Image

from testamur.credentials.services import credential_cancel
from testamur.verification import baking
from testamur.verification.badge_image import badge_png, badge_svg
from testamur.verification.verifier import vc_verify
from testamur.verification.views.portal import SESSION_KEY
from tests.verification.helpers import one_issued

CREDENTIAL = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "name": "Statement of Attainment SOA-0001 — “quoted” ]]> <b>",
}
FACTS = {
    "organisation": {"name": "Harbour City Training & Co"},
    "credential": {"type_label": "Statement of Attainment", "number": "SOA-0001"},
    "course": {"code": "BSB40120", "title": "Certificate IV in Business <script>"},
}


def _itxt_chunks(png: bytes) -> list[bytes]:
    return [body for kind, body, *_ in baking._png_chunks(png) if kind == b"iTXt"]


def test_png_round_trip_keeps_the_image_and_uses_one_uncompressed_itxt_chunk():
    baked = baking.bake_png(badge_png(FACTS), CREDENTIAL)
    assert baking.unbake(baked) == CREDENTIAL
    assert Image.open(io.BytesIO(baked)).size == (400, 400)
    [chunk] = _itxt_chunks(baked)
    assert chunk.startswith(b"openbadgecredential\0\0\0\0\0{")
    again = baking.bake_png(baked, {**CREDENTIAL, "name": "second"})
    assert len(_itxt_chunks(again)) == 1
    assert baking.unbake(again)["name"] == "second"


def test_a_compressed_itxt_chunk_is_read_too():
    text = json.dumps(CREDENTIAL).encode()
    body = b"openbadgecredential\0\x01\x00\0\0" + zlib.compress(text)
    png = badge_png(FACTS)
    iend = png.rindex(b"IEND") - 4
    baked = png[:iend] + baking._png_chunk(b"iTXt", body) + png[iend:]
    assert baking.unbake(baked) == CREDENTIAL


def test_svg_round_trip_puts_one_credential_element_first_in_the_declared_namespace():
    baked = baking.bake_svg(badge_svg(FACTS), CREDENTIAL)
    assert baking.unbake(baked) == CREDENTIAL
    root = etree.fromstring(baked)
    assert root.nsmap["openbadges"] == "https://purl.imsglobal.org/ob/v3p0"
    assert root[0].tag == "{https://purl.imsglobal.org/ob/v3p0}credential"
    assert b"<![CDATA[" in baked
    assert b"<script>" not in baked  # the course title is escaped text, not markup
    again = baking.bake_svg(baked, {**CREDENTIAL, "name": "second"})
    assert len(etree.fromstring(again).findall("{*}credential")) == 1
    assert baking.unbake(again)["name"] == "second"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not an image",
        b"\x89PNG\r\n\x1a\n",
        b"\x89PNG\r\n\x1a\n\xff\xff\xff\xff",
        b"<svg",
        b"<html><body>hello</body></html>",
        b'<svg xmlns="http://www.w3.org/2000/svg"/>',
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;'
        b'&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><svg xmlns="http://www.w3.org/'
        b'2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"><openbadges:credential'
        b">&c;</openbadges:credential></svg>",
        b'<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg xmlns="http://www.w3.org/'
        b'2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"><openbadges:credential'
        b">&x;</openbadges:credential></svg>",
        "a str, not bytes",
        None,
    ],
)
def test_unbake_says_none_for_anything_without_a_credential(data):
    assert baking.unbake(data) is None


def test_unbake_refuses_a_credential_that_is_not_a_json_object():
    png = baking.bake_png(badge_png(FACTS), CREDENTIAL)
    listed = png.replace(b"openbadgecredential\0\0\0\0\0{", b"openbadgecredential\0\0\0\0\0[")
    assert baking.unbake(listed) is None  # its checksum no longer matches either
    svg = baking.bake_svg(badge_svg(FACTS), CREDENTIAL).replace(b"CDATA[{", b"CDATA[[")
    assert baking.unbake(svg) is None


def test_a_png_damaged_anywhere_is_never_an_exception():
    baked = baking.bake_png(badge_png(FACTS), CREDENTIAL)
    for position in range(0, len(baked), max(1, len(baked) // 300)):
        damaged = baked[:position] + bytes([baked[position] ^ 0xFF]) + baked[position + 1 :]
        assert baking.unbake(damaged) in (None, CREDENTIAL)
        assert baking.unbake(baked[:position]) in (None, CREDENTIAL)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_unbake_on_random_bytes_returns_none(data):
    assert baking.unbake(data) is None
    assert baking.unbake(baking.PNG_SIGNATURE + data) is None
    assert baking.unbake(b"<svg " + data) is None


def test_baking_refuses_what_is_not_an_image_of_its_kind():
    with pytest.raises(ValueError):
        baking.bake_png(b"GIF89a", CREDENTIAL)
    with pytest.raises(ValueError):
        baking.bake_svg(b"<html/>", CREDENTIAL)


@pytest.fixture
def credential(rto_admin, django_capture_on_commit_callbacks):
    return one_issued(rto_admin, django_capture_on_commit_callbacks)


@pytest.mark.django_db
@pytest.mark.parametrize("image_format", ["png", "svg"])
def test_the_verification_page_offers_baked_badges_holding_the_signed_credential(
    client, credential, image_format
):
    code = credential.verification_code
    page = client.get(reverse("verification:verify", args=[code])).content.decode()
    url = reverse("verification:verify_badge", args=[code, image_format])
    assert url in page
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == {"png": "image/png", "svg": "image/svg+xml"}[image_format]
    assert f"{credential.number}-open-badge.{image_format}" in response["Content-Disposition"]
    baked = baking.unbake(response.content)
    served = json.loads(client.get(reverse("verification:verify_vc", args=[code])).content)
    assert baked == served
    assert vc_verify(baked).valid


@pytest.mark.django_db
def test_no_badge_for_a_cancelled_credential_or_an_unknown_format(client, credential, rto_admin):
    code = credential.verification_code
    assert client.get(reverse("verification:verify_badge", args=[code, "gif"])).status_code == 404
    credential_cancel(actor=rto_admin, credential=credential, reason="Issued in error")
    assert client.get(reverse("verification:verify_badge", args=[code, "png"])).status_code == 404


@pytest.mark.django_db
def test_the_learner_downloads_their_baked_badges_from_the_portal(client, credential):
    session = client.session
    session[SESSION_KEY] = {"learner": credential.learner_id, "at": time.time()}
    session.save()
    page = client.get(reverse("verification:portal_home")).content.decode()
    for image_format in ("png", "svg"):
        url = reverse("verification:portal_badge", args=[credential.pk, image_format])
        assert url in page
        response = client.get(url)
        assert response.status_code == 200
        assert baking.unbake(response.content)["id"].startswith("urn:uuid:")
    other = reverse("verification:portal_badge", args=[credential.pk + 1000, "png"])
    assert client.get(other).status_code == 404
