"""Sharing an issued credential: LinkedIn's "Add to profile" link, and a QR code / link a
wallet (e.g. the DCC Learner Credential Wallet's "Add from QR code or URL") imports the signed
credential JSON from. Built from the credential's facts (its issuance record) alone.
"""

import io
from datetime import date
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.urls import reverse

from testamur.verification import composition

LINKEDIN_ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"


def verification_url(code: str) -> str:
    return settings.PUBLIC_BASE_URL + reverse("verification:verify", args=[code])


def wallet_import_url(code: str) -> str:
    """The signed credential's public address: what a wallet fetches when given the link or
    the QR code. Only a valid credential is served there (cancelled ones answer 404)."""
    return settings.PUBLIC_BASE_URL + reverse("verification:verify_vc", args=[code])


def linkedin_add_url(facts: dict, *, code: str) -> str:
    """LinkedIn's Add to Profile link for a certification (startTask=CERTIFICATION_NAME):
    name, issuing organisation, issue year and month, credential ID and credential URL.

    With settings.LINKEDIN_ORGANIZATION_ID (the RTO's LinkedIn page) the issuer is that page;
    otherwise its name. The learner's own name is never part of the link.
    """
    issued_on = date.fromisoformat(facts["credential"]["issued_on"])
    params = {"startTask": "CERTIFICATION_NAME", "name": composition.achievement_name(facts)}
    organization_id = getattr(settings, "LINKEDIN_ORGANIZATION_ID", "")
    if organization_id:
        params["organizationId"] = organization_id
    else:
        params["organizationName"] = facts["organisation"]["name"]
    params |= {
        "issueYear": str(issued_on.year),
        "issueMonth": str(issued_on.month),
        "certUrl": verification_url(code),
        "certId": facts["credential"]["number"],
    }
    return f"{LINKEDIN_ADD_TO_PROFILE}?{urlencode(params)}"


def qr_svg(url: str) -> str:
    """An inline SVG QR code for `url` (no script, no external image)."""
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(
        out, kind="svg", scale=4, border=2, xmldecl=False, svgns=True, title="QR code"
    )
    return out.getvalue().decode()


def share_links(facts: dict, *, code: str) -> dict:
    wallet_url = wallet_import_url(code)
    return {
        "linkedin_url": linkedin_add_url(facts, code=code),
        "wallet_url": wallet_url,
        "wallet_qr_svg": qr_svg(wallet_url),
    }
