from django.conf import settings
from django.core import checks

NOT_HTTPS = (
    "PUBLIC_BASE_URL is not an https:// address; the issuer id in digital credentials, the "
    "status list and the QR codes on documents are built from it."
)


@checks.register(checks.Tags.security, deploy=True)
def public_base_url_is_https(app_configs, **kwargs):
    if settings.PUBLIC_BASE_URL.startswith("https://"):
        return []
    return [checks.Warning(NOT_HTTPS, id="verification.W001")]


@checks.register()
def vc_issuer_is_known(app_configs, **kwargs):
    from testamur.verification.dids import ISSUER_KINDS, UNKNOWN_ISSUER_KIND

    value = getattr(settings, "VC_ISSUER", "did:web")
    if value in ISSUER_KINDS:
        return []
    return [checks.Error(UNKNOWN_ISSUER_KIND.format(value=value), id="verification.E001")]
