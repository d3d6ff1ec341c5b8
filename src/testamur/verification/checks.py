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
