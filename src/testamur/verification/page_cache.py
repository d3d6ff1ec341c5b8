"""The public page of each credential, kept in the shared cache for a minute at most.

Anyone may already keep the page that minute (`Cache-Control: public, max-age=60`), so the
shared cache promises no less than the page itself does. Within the minute, a change of what
the page shows — a cancel, a replacement issued, the digital credential made — drops the
kept page once it has committed (`pages_forget`, followed from the lifecycle), so the next
visit is made afresh. A cache that does not answer only costs the making of the page.
"""

from testamur.core.shared_cache import cache_forget, cache_keep, cache_read
from testamur.credentials.models import CredentialIssuance

KEPT_SECONDS = 60


def _key(code: str) -> str:
    return f"verify-page-of:{code}"


def page_kept(code: str) -> tuple[str, float, bytes] | None:
    """(ETag, last change as a timestamp, page) kept for `code`, if any."""
    return cache_read(_key(code))


def page_keep(code: str, *, etag: str, last_modified: float, page: bytes) -> None:
    cache_keep(_key(code), (etag, last_modified, page), KEPT_SECONDS)


def pages_forget(*, credential_ids: list[int]) -> None:
    """Drop the kept pages of these credentials (after their change has committed)."""
    codes = CredentialIssuance.objects.filter(credential_id__in=credential_ids).values_list(
        "verification_code", flat=True
    )
    cache_forget([_key(code) for code in codes if code])
