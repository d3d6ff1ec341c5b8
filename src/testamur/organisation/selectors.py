import zoneinfo
from datetime import date

from django.conf import settings
from django.utils import timezone

from testamur.core.shared_cache import cache_forget, cache_keep, cache_read
from testamur.organisation.models import Organisation, Signatory

_TZ_CACHE_KEY = "organisation:time_zone"


def organisation_get() -> Organisation:
    return Organisation.load()


def organisation_time_zone() -> str:
    tz = cache_read(_TZ_CACHE_KEY)
    if tz is None:
        row = Organisation.objects.filter(id=1).values_list("time_zone", flat=True).first()
        tz = row or settings.TIME_ZONE
        cache_keep(_TZ_CACHE_KEY, tz, 60)
    return tz


def organisation_time_zone_forget() -> None:
    cache_forget([_TZ_CACHE_KEY])


def organisation_today() -> date:
    """Today in the RTO's time zone, wherever the code runs (a request, a worker, a command)."""
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(organisation_time_zone()))


def organisation_missing_for_issue(organisation: Organisation | None = None) -> list[str]:
    """What the RTO still has to configure before credentials can be issued (rule 3)."""
    organisation = organisation or organisation_get()
    missing = []
    if not organisation.legal_name:
        missing.append("RTO legal name")
    if not organisation.rto_code:
        missing.append("RTO code")
    if not organisation.logo:
        missing.append("RTO logo")
    if not Signatory.objects.filter(is_active=True).exists():
        missing.append("an active signatory")
    return missing


def organisation_placeholder_logos(organisation: Organisation | None = None) -> list[str]:
    """The official artwork still missing, each with the credentials that cannot be issued
    without it (the built-in placeholders print in its place on previews)."""
    organisation = organisation or organisation_get()
    missing = []
    if not organisation.nrt_logo:
        missing.append("the official NRT logo (testamurs and Statements of Attainment)")
    if not organisation.aqf_logo:
        missing.append("the official AQF logo (testamurs)")
    return missing
