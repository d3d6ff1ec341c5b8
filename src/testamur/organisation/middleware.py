import zoneinfo

from django.utils import timezone

from testamur.organisation.selectors import organisation_time_zone


class OrganisationTimezoneMiddleware:
    """Show every date and time in the RTO's own time zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        timezone.activate(zoneinfo.ZoneInfo(organisation_time_zone()))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
