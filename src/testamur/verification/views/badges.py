"""Baked badges: the signed Open Badges credential inside a PNG or SVG badge image, for the
public verification page and the learner portal."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_safe

from testamur.core.permissions import public
from testamur.core.ratelimit import rate_limited
from testamur.verification import badge_image, baking, selectors, storage
from testamur.verification.views.portal import learner_required

FORMATS = {
    "png": ("image/png", badge_image.badge_png, baking.bake_png),
    "svg": ("image/svg+xml", badge_image.badge_svg, baking.bake_svg),
}


def baked_badge_response(credential, image_format: str) -> HttpResponse:
    """The credential's badge with its signed credential baked in; 404 while there is none
    (being prepared, or cancelled)."""
    document = storage.signed_vc(credential) if credential else None
    if document is None or image_format not in FORMATS:
        raise Http404
    media_type, draw, bake = FORMATS[image_format]
    image = bake(draw(selectors.credential_facts(credential.issuance)), document)
    response = HttpResponse(image, content_type=media_type)
    filename = f"{credential.issuance.number}-open-badge.{image_format}"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    # An SVG opened on its own must not run anything, whatever a credential's text holds.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@public
@require_safe
@rate_limited("verify")
def verify_badge(request, code: str, image_format: str):
    return baked_badge_response(selectors.credential_by_code(code), image_format)


@public
@require_GET
@learner_required
def portal_badge(request, learner, pk: int, image_format: str):
    credential = get_object_or_404(selectors.portal_credentials(learner), pk=pk)
    return baked_badge_response(credential, image_format)
