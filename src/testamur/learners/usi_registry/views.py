"""Pages for verifying USIs with the registry: one learner, and bulk jobs (pre-check,
progress, results). Higher layers (course offers, the credential register) prepare a job with
their learners and send people to its page."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from testamur.core.permissions import require_permission
from testamur.learners.forms import LearnerFilterForm
from testamur.learners.models import Learner
from testamur.learners.selectors import learner_list
from testamur.learners.usi_registry.models import UsiVerificationJob, VerificationResult
from testamur.learners.usi_registry.services import (
    usi_job_prepare,
    usi_job_start,
    usi_verify_learner,
)

CHANGE = "learners.change_learner"
VIEW = "learners.view_learner"
PER_PAGE = 100

VERIFIED = "The USI Registry System verified {name}'s USI."
NOT_VERIFIED = "The USI Registry System did not verify {name}'s USI: {summary}"
NOT_ANSWERED = "{name}'s USI was not verified. {error}"
LIST_SOURCE = "Learners list{filters}"
JOB_STARTED = "Sending {count} learners to the registry. This page shows the progress."


@require_permission(CHANGE)
@require_POST
def learner_registry_verify(request, pk: int):
    learner = get_object_or_404(Learner, pk=pk)
    try:
        verification = usi_verify_learner(learner=learner, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("learners:detail", pk=learner.pk)
    name = learner.full_name
    if verification.result == VerificationResult.VERIFIED:
        messages.success(request, VERIFIED.format(name=name))
    elif verification.result == VerificationResult.ERROR:
        messages.error(request, NOT_ANSWERED.format(name=name, error=verification.error))
    else:
        messages.warning(request, NOT_VERIFIED.format(name=name, summary=verification.summary()))
    return redirect("learners:detail", pk=learner.pk)


@require_permission(VIEW, CHANGE)
@require_POST
def learners_registry_verify(request):
    """Prepare a job for the learners the list shows (its filters as posted)."""
    form = LearnerFilterForm(request.POST)
    filters = form.filters()
    ids = list(learner_list(**filters).values_list("pk", flat=True))
    shown = ", ".join(f"{k}: {v}" for k, v in filters.items() if v not in ("", None))
    try:
        job = usi_job_prepare(
            actor=request.user,
            learner_ids=ids,
            source=LIST_SOURCE.format(filters=f" ({shown})" if shown else ""),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("learners:list")
    return redirect("learners:usi_job", pk=job.pk)


@require_permission(VIEW)
def usi_job_detail(request, pk: int):
    job = get_object_or_404(UsiVerificationJob.objects.select_related("created_by"), pk=pk)
    if request.htmx and request.GET.get("part") == "progress":
        if not job.is_running:
            # Finished while the page watched: show it whole, with its results.
            return HttpResponseClientRefresh()
        return render(request, "learners/usi_registry/_job_progress.html", {"job": job})
    verifications = job.verifications.select_related("learner").order_by(
        "learner__family_name", "learner__given_name", "id"
    )
    result = request.GET.get("result", "")
    if result in VerificationResult.values:
        verifications = verifications.filter(result=result)
    page_obj = Paginator(verifications, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "job": job,
        "page_obj": page_obj,
        "result": result,
        "results": VerificationResult.choices,
    }
    return render(request, "learners/usi_registry/job_detail.html", context)


@require_permission(VIEW, CHANGE)
@require_POST
def usi_job_send(request, pk: int):
    job = get_object_or_404(UsiVerificationJob, pk=pk)
    try:
        job = usi_job_start(job=job, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, JOB_STARTED.format(count=job.total))
    return redirect("learners:usi_job", pk=job.pk)


@require_permission(VIEW)
def usi_job_list(request):
    jobs = UsiVerificationJob.objects.select_related("created_by")
    page_obj = Paginator(jobs, 50).get_page(request.GET.get("page"))
    return render(request, "learners/usi_registry/job_list.html", {"page_obj": page_obj})
