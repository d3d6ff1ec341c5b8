from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_POST

from testamur.core.checkpoints import checkpoint_dir, checkpoint_path
from testamur.core.models import EventLogVerification
from testamur.core.permissions import public, require_permission
from testamur.core.selectors import integrity_overview, verification_in_progress
from testamur.core.tasks import event_log_checkpoint, event_log_verify

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


# --- Register integrity (Settings): the last check of the log and the signed checkpoints ------

PERM_INTEGRITY = ("core.view_eventlogverification", "core.check_register_integrity")
VERIFY_QUEUED = (
    "The check is queued: the background worker checks the event log, every checkpoint and the "
    "register. This page shows the result when it has finished."
)
VERIFY_ALREADY = "A check is already queued or running; its result appears below."
CHECKPOINT_DONE = "Checkpoint signed: {result}."
CHECKPOINT_QUEUED = (
    "The checkpoint is queued: the background worker signs it and emails it to the Owners."
)
RECENT = 10


@require_permission(*PERM_INTEGRITY)
def integrity(request):
    return render(request, "core/integrity.html", integrity_overview())


@require_permission(*PERM_INTEGRITY)
def integrity_progress(request, pk: int):
    verification = get_object_or_404(EventLogVerification, pk=pk)
    return render(request, "core/_verification.html", {"verification": verification})


@require_POST
@require_permission(*PERM_INTEGRITY)
def integrity_verify(request):
    if verification_in_progress():
        messages.info(request, VERIFY_ALREADY)
        return redirect("core:integrity")
    verification = EventLogVerification.objects.create(
        requested_by=request.user, checkpoint_dir=str(checkpoint_dir())
    )
    transaction.on_commit(lambda: event_log_verify.enqueue(verification.pk))
    messages.success(request, VERIFY_QUEUED)
    return redirect("core:integrity")


@require_POST
@require_permission(*PERM_INTEGRITY)
def integrity_checkpoint(request):
    result = event_log_checkpoint.enqueue()
    if result.is_finished:
        messages.success(request, CHECKPOINT_DONE.format(result=result.return_value))
    else:
        messages.success(request, CHECKPOINT_QUEUED)
    return redirect("core:integrity")


@require_permission(*PERM_INTEGRITY)
def checkpoint_file(request, name: str):
    """One signed checkpoint file, as written (for an auditor, or to keep elsewhere)."""
    path = checkpoint_path(name)
    if path is None:
        raise Http404("No such checkpoint")
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=path.name, content_type="application/json"
    )


@public
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says: send them to the icon."""
    return redirect(static("testamur/favicon.svg"), permanent=True)
