"""Where signed documents come from when asked for, and how they are served.

The signed VC of a credential is made once, in the background right after its issue, from its
issuance record (services.digital_credentials_make), and kept; nothing is signed when a page is
opened except a status list found older than its last change.
"""

import json

from django.http import HttpResponse
from django.utils.http import content_disposition_header

from testamur.credentials.models import Credential, CredentialStatus
from testamur.organisation.models import Organisation
from testamur.verification import composition, dids, services
from testamur.verification.keys import active_vc_signing_key, key_periods
from testamur.verification.models import DigitalCredential, StatusList, VcSigningKey

# What OB 3.0 (§5.3) names for a credential secured with an embedded proof.
VC_MEDIA_TYPE = "application/vc+ld+json"
JSON_LD_MEDIA_TYPE = "application/ld+json"
DID_MEDIA_TYPE = "application/did+ld+json"


def signed_vc(credential: Credential) -> dict | None:
    """The signed Open Badges credential; None while it is being prepared and once the
    credential is cancelled."""
    if credential.status != CredentialStatus.ISSUED:
        return None
    entry = DigitalCredential.objects.filter(credential=credential).only("signed").first()
    return entry.signed if entry else None


def signed_vc_made_at(credential: Credential):
    """When the signed Open Badges credential was made; None while it is being prepared and
    once the credential is cancelled. Reads no document."""
    if credential.status != CredentialStatus.ISSUED:
        return None
    made = (
        DigitalCredential.objects.filter(credential=credential, signed__isnull=False)
        .values_list("signed_at", "created_at")
        .first()
    )
    return (made[0] or made[1]) if made else None


def vc_filename(credential: Credential) -> str:
    return f"{credential.issuance.number}-open-badge.json"


def status_list_document(purpose: str, number: int) -> dict | None:
    status_list = StatusList.objects.filter(purpose=purpose, number=number).first()
    if status_list is None:
        return None
    if not status_list.signed or status_list.signed_version != status_list.version:
        status_list = services.status_list_sign(status_list=status_list)
    return status_list.signed


def _public_keys() -> list[str]:
    """Every public key this deployment has signed with, the active one first."""
    active_vc_signing_key()
    return list(
        VcSigningKey.objects.order_by("-is_active", "-created_at").values_list(
            "public_key_multibase", flat=True
        )
    )


def did_document() -> dict:
    """The did:web DID document, with every key ever used (old credentials keep verifying)."""
    active_vc_signing_key()
    return dids.did_web_document(key_periods())


def issuer_document() -> dict:
    """The issuer Profile with every public key it has signed with (the active one first)."""
    keys = _public_keys()
    organisation = Organisation.load()
    return composition.issuer_document(
        {
            "name": organisation.display_name,
            "rto_code": organisation.rto_code,
            "url": organisation.website,
            "email": organisation.email,
        },
        list(keys),
    )


def json_response(
    document: dict, *, media_type: str = VC_MEDIA_TYPE, filename: str | None = None
) -> HttpResponse:
    """JSON any site may read (verifiers run in browsers on other origins)."""
    response = HttpResponse(
        json.dumps(document, indent=2, ensure_ascii=False), content_type=media_type
    )
    response["Access-Control-Allow-Origin"] = "*"
    if filename:
        response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
