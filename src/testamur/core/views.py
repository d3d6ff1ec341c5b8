from django.http import JsonResponse
from django.shortcuts import render

from testamur.core.permissions import require_login
from testamur.core.selectors import dashboard_counts


@require_login
def home(request):
    return render(request, "core/home.html", {"counts": dashboard_counts()})


API_PREFIX = "/api/"
API_FORBIDDEN = "Your role does not allow this."
API_NOT_FOUND = "There is no such API address. See /api/v1/docs."
API_SERVER_ERROR = "Something went wrong on the server. Please try again later."


def _api_error(status: int, detail: str) -> JsonResponse:
    """An address under /api/ that no API operation answers still gets the API's error JSON."""
    return JsonResponse({"detail": detail, "errors": []}, status=status)


def permission_denied(request, exception=None):
    if request.path.startswith(API_PREFIX):
        return _api_error(403, API_FORBIDDEN)
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    if request.path.startswith(API_PREFIX):
        return _api_error(404, API_NOT_FOUND)
    return render(request, "404.html", status=404)


def server_error(request):
    if request.path.startswith(API_PREFIX):
        return _api_error(500, API_SERVER_ERROR)
    return render(request, "500.html", status=500)
