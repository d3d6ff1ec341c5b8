"""Headers every page gets: a Content-Security-Policy, and no caching of anything that did not
ask for it (pages show USIs, dates of birth and documents; a shared computer's browser cache or
a proxy must not keep them)."""

from django.conf import settings


class PrivatePagesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY
        if "Cache-Control" not in response:
            response["Cache-Control"] = "no-store"
        return response
