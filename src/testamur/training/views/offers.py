"""Course offers: list, detail with its bulk actions, add, edit, enrol learners."""

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from testamur.core.forms import posted_ids
from testamur.core.permissions import require_permission
from testamur.core.spreadsheets import csv_writer
from testamur.learners.models import Learner
from testamur.learners.usi_registry.services import usi_job_prepare
from testamur.training import selectors, services
from testamur.training.forms import (
    EnrolLearnersSearchForm,
    OfferEnrolmentFilterForm,
    OfferFilterForm,
    OfferForm,
)
from testamur.training.models import CourseEnrolment, CourseOffer, EnrolmentStatus
from testamur.training.views.common import form_page, save_form

BULK_NO_ACTION = "Choose an action for the selected enrolments."
BULK_NONE_SELECTED = "Select at least one enrolment first."
BULK_IGNORED = "{count} selected enrolment(s) are not in this offer and were ignored."
ENROL_NONE_SELECTED = "Select at least one learner to enrol."
ENROLLED = "Enrolled {count} learner(s) in {offer}, each with {units} unit enrolment(s)."
ENROL_SKIPPED = "Skipped {count} already enrolled: {names}."
SELECT_COMPLETED, SELECT_ACHIEVED = "completed", "achieved"
SELECT_CHOICES = [
    (SELECT_COMPLETED, "Select all completed"),
    (SELECT_ACHIEVED, "Select all with at least one achieved unit"),
]


@require_permission("training.view_courseoffer")
def offer_list(request):
    filters = OfferFilterForm(request.GET or None)
    values = filters.cleaned_data if filters.is_valid() else {}
    offers = selectors.offer_list(
        course=values.get("course"),
        starts_from=values.get("starts_from"),
        starts_to=values.get("starts_to"),
        search=values.get("q", ""),
    )
    page_obj = selectors.paginate(offers, request.GET.get("page"))
    return render(request, "training/offer_list.html", {"filters": filters, "page_obj": page_obj})


@dataclass(frozen=True)
class BulkAction:
    """One button in an offer's bulk bar: what it says, who may press it, what it does."""

    label: str
    permission: str
    run: Callable[[HttpRequest, CourseOffer, list[CourseEnrolment]], HttpResponse]


def _download_csv(request, offer: CourseOffer, enrolments) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{offer.code}-enrolments.csv"'
    writer = csv_writer(response)
    writer.writerow(selectors.ENROLMENT_EXPORT_HEADER)
    writer.writerows(selectors.enrolment_export_rows(enrolments))
    return response


def _verify_usis(request, offer: CourseOffer, enrolments) -> HttpResponse:
    """Pre-check the ticked enrolments' learners for a bulk verification with the registry."""
    try:
        job = usi_job_prepare(
            actor=request.user,
            learner_ids=[enrolment.learner_id for enrolment in enrolments],
            source=f"Course offer {offer.code}",
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("training:offer_detail", pk=offer.pk)
    return redirect("learners:usi_job", pk=job.pk)


def _to_page(url_name: str):
    """A bulk action that goes on to another page, for the ticked enrolments."""

    def run(request, offer: CourseOffer, enrolments) -> HttpResponse:
        query = urlencode([("enrolment", enrolment.pk) for enrolment in enrolments])
        return redirect(f"{reverse(url_name, args=[offer.pk])}?{query}")

    return run


OFFER_BULK_ACTIONS: dict[str, BulkAction] = {
    "request_credential": BulkAction(
        "Request credential",
        "credentials.request_credential",
        _to_page("credentials:request_bulk"),
    ),
    "request_issue": BulkAction(
        "Request and issue",
        "credentials.issue_credential",
        _to_page("credentials:request_issue_offer"),
    ),
    "finalise": BulkAction(
        "Finalise", "training.finalise_courseenrolment", _to_page("training:offer_finalise")
    ),
    "unit_outcomes": BulkAction(
        "Update unit outcomes and dates",
        "training.change_unitenrolment",
        _to_page("training:offer_unit_outcomes"),
    ),
    "verify_usi": BulkAction(
        "Verify USIs with the registry", "learners.change_learner", _verify_usis
    ),
    "download_csv": BulkAction(
        "Download selected (CSV)", "training.view_courseenrolment", _download_csv
    ),
}


@require_permission("training.view_courseoffer")
def offer_detail(request, pk: int):
    offer = get_object_or_404(CourseOffer.objects.select_related("course", "location"), pk=pk)
    actions = [
        (name, action.label)
        for name, action in OFFER_BULK_ACTIONS.items()
        if request.user.has_perm(action.permission)
    ]
    filters = OfferEnrolmentFilterForm(request.GET or None)
    values = filters.cleaned_data if filters.is_valid() else {}
    enrolments = list(
        selectors.offer_enrolments_filtered(
            offer=offer, status=values.get("status", ""), outcomes=values.get("outcomes", "")
        )
    )
    # "Select all completed" / "…with at least one achieved unit": ticked when the page opens.
    select = request.GET.get("select", "")
    for enrolment in enrolments:
        enrolment.preselected = (
            select == SELECT_COMPLETED and enrolment.status == EnrolmentStatus.COMPLETED
        ) or (select == SELECT_ACHIEVED and enrolment.units_achieved > 0)
    kept = [(k, v) for k, v in request.GET.items() if k in ("status", "outcomes") and v]
    context = {
        "offer": offer,
        "enrolments": enrolments,
        "all_count": offer.enrolments.count(),
        "filters": filters,
        "filtered": bool(kept),
        "select_links": [
            (f"?{urlencode([*kept, ('select', name)])}#enrolments-heading", label, name == select)
            for name, label in SELECT_CHOICES
        ],
        "preselected": sum(1 for e in enrolments if e.preselected),
        "bulk_actions": actions,
    }
    return render(request, "training/offer_detail.html", context)


@require_permission("training.view_courseoffer", "training.view_courseenrolment")
@require_POST
def offer_bulk(request, pk: int):
    """Run one bulk action on the ticked enrolments of an offer."""
    offer = get_object_or_404(CourseOffer, pk=pk)
    back = redirect("training:offer_detail", pk=offer.pk)
    action = OFFER_BULK_ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        messages.error(request, BULK_NO_ACTION)
        return back
    if not request.user.has_perm(action.permission):
        raise PermissionDenied
    posted = set(request.POST.getlist("enrolment"))
    enrolments = list(selectors.offer_enrolments_selected(offer=offer, ids=posted_ids(posted)))
    if len(posted) > len(enrolments):
        messages.warning(request, BULK_IGNORED.format(count=len(posted) - len(enrolments)))
    if not enrolments:
        messages.error(request, BULK_NONE_SELECTED)
        return back
    return action.run(request, offer, enrolments)


@require_permission("training.add_courseoffer")
def offer_create(request):
    form = OfferForm(request.POST or None, initial={"course": request.GET.get("course")})
    done = save_form(
        request,
        form,
        lambda data: services.offer_create(actor=request.user, **data),
        success="Course offer {saved.code} added.",
        redirect_to=lambda offer: reverse("training:offer_detail", args=[offer.pk]),
    )
    return done or form_page(
        request,
        form,
        title="Add a course offer",
        crumbs=[("Course offers", reverse("training:offer_list"))],
        cancel_url=reverse("training:offer_list"),
        submit="Add offer",
    )


@require_permission("training.change_courseoffer")
def offer_edit(request, pk: int):
    offer = get_object_or_404(CourseOffer, pk=pk)
    form = OfferForm(request.POST or None, instance=offer)
    done = save_form(
        request,
        form,
        lambda data: services.offer_update(offer=offer, actor=request.user, data=data),
        success="Course offer {saved.code} saved.",
        redirect_to=lambda offer: reverse("training:offer_detail", args=[offer.pk]),
    )
    if done:
        return done
    offer.refresh_from_db()
    detail = reverse("training:offer_detail", args=[offer.pk])
    return form_page(
        request,
        form,
        title=f"Edit course offer {offer.code}",
        crumbs=[("Course offers", reverse("training:offer_list")), (offer.code, detail)],
        cancel_url=detail,
    )


@require_permission(
    "training.view_courseoffer", "training.add_courseenrolment", "learners.view_learner"
)
def offer_enrol(request, pk: int):
    """Find learners and enrol the ticked ones; those already in the offer are skipped."""
    offer = get_object_or_404(CourseOffer.objects.select_related("course"), pk=pk)
    detail = reverse("training:offer_detail", args=[offer.pk])
    if request.method == "POST":
        learners = Learner.objects.filter(pk__in=posted_ids(request.POST.getlist("learner")))
        if not learners:
            messages.error(request, ENROL_NONE_SELECTED)
            return redirect(request.get_full_path())
        try:
            created, skipped = services.enrolment_create_many(
                actor=request.user, offer=offer, learners=learners
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(request.get_full_path())
        if created:
            units = offer.course.units.count()
            messages.success(
                request, ENROLLED.format(count=len(created), offer=offer.code, units=units)
            )
        if skipped:
            names = ", ".join(f"{s.full_name} ({s.client_id})" for s in skipped)
            messages.warning(request, ENROL_SKIPPED.format(count=len(skipped), names=names))
        return redirect(detail)

    search = EnrolLearnersSearchForm(request.GET or None)
    q = search.cleaned_data.get("q", "") if search.is_valid() else ""
    context = {
        "offer": offer,
        "search": search,
        "q": q,
        "learners": selectors.learner_search(search=q) if q else [],
        "enrolled_ids": set(offer.enrolments.values_list("learner_id", flat=True)),
    }
    return render(request, "training/offer_enrol.html", context)
