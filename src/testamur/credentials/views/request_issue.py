"""Request and issue: one screen from a course offer or a qualification to an Issue run, with
what will be left out (and why) shown before anything starts. Admins only (they issue)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from testamur.core.permissions import require_permission
from testamur.credentials.forms import IssueForm
from testamur.credentials.request_issue import (
    credentials_request_and_issue,
    plan_for_course_enrolments,
    plan_for_qualification_enrolments,
)
from testamur.credentials.services import PERM_ISSUE, PERM_REQUEST
from testamur.credentials.views.common import VIEW, run_started
from testamur.qualifications.selectors import qualification_enrolments_selected
from testamur.training import selectors as training_selectors
from testamur.training.forms import form_add_service_errors, posted_ids
from testamur.training.models import Course, CourseOffer

NO_ENROLMENTS = "Select at least one enrolment to request and issue credentials for."
USI_WARNED = "{count} of the credentials to issue are for learners whose USI is not verified."


def _page(request, *, plan, source: str, back: str, crumbs: list[tuple[str, str]], enrolments):
    issuing = plan.issuing
    warned = sum(
        1 for row in issuing if row.credential and not row.credential.learner.usi_cleared_for_issue
    )
    form = IssueForm(request.POST or None, offer_final_qualification=False, usi_warnings=warned)
    if request.method == "POST" and form.is_valid():
        options = form.issue_options()
        try:
            run, outcome = credentials_request_and_issue(
                actor=request.user, plan=plan, options=options, credential_date=options.issued_on
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            run_started(request, run, outcome)
            return redirect("credentials:run_detail", pk=run.pk)
    context = {
        "form": form,
        "plan": plan,
        "issuing": issuing,
        "left_out": plan.left_out,
        "to_request": plan.to_request,
        "learners": len({row.enrolment.pk for row in issuing}),
        "source": source,
        "back": back,
        "crumbs": crumbs,
        "enrolments": enrolments,
        "usi_warnings_message": USI_WARNED.format(count=warned) if warned else "",
    }
    return render(request, "credentials/request_issue.html", context)


def _selected(request) -> list[int]:
    data = request.POST if request.method == "POST" else request.GET
    return posted_ids([value for value in data.getlist("enrolment") if value])


@require_permission(VIEW, PERM_REQUEST, PERM_ISSUE, "training.view_courseenrolment")
def offer(request, pk: int):
    """Request and issue for the ticked enrolments of a course offer."""
    course_offer = get_object_or_404(CourseOffer.objects.select_related("course"), pk=pk)
    back = reverse("training:offer_detail", args=[course_offer.pk])
    enrolments = list(
        training_selectors.offer_enrolments_selected(
            offer=course_offer, ids=_selected(request)
        ).select_related("offer__course")
    )
    if not enrolments:
        messages.error(request, NO_ENROLMENTS)
        return redirect(back)
    return _page(
        request,
        plan=plan_for_course_enrolments(enrolments),
        source=f"{course_offer.code} ({course_offer.course.code} {course_offer.course.title})",
        back=back,
        crumbs=[(reverse("training:offer_list"), "Course offers"), (back, course_offer.code)],
        enrolments=enrolments,
    )


@require_permission(VIEW, PERM_REQUEST, PERM_ISSUE, "qualifications.view_qualificationenrolment")
def qualification(request, pk: int):
    """Request and issue for the ticked enrolments of a qualification."""
    course = get_object_or_404(Course, pk=pk)
    back = reverse("qualifications:detail", args=[course.pk])
    enrolments = qualification_enrolments_selected(qualification=course, ids=_selected(request))
    if not enrolments:
        messages.error(request, NO_ENROLMENTS)
        return redirect(back)
    return _page(
        request,
        plan=plan_for_qualification_enrolments(enrolments),
        source=f"{course.code} {course.title}",
        back=back,
        crumbs=[(back, course.code)],
        enrolments=enrolments,
    )
