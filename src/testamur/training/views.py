"""Training pages: parse the request, call a selector or a service, render."""

import csv
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from testamur.core.permissions import require_permission
from testamur.learners.models import Learner
from testamur.training import selectors, services
from testamur.training.forms import (
    CourseFilterForm,
    CourseForm,
    EnrolLearnersSearchForm,
    EnrolmentCreateForm,
    EnrolmentForm,
    LocationForm,
    OfferFilterForm,
    OfferForm,
    SearchForm,
    UnitEnrolmentForm,
    UnitForm,
    form_add_service_errors,
    posted_ids,
)
from testamur.training.models import (
    Course,
    CourseEnrolment,
    CourseOffer,
    DeliveryLocation,
    OutcomeCode,
    Unit,
    UnitEnrolment,
)
from testamur.training.outcome_codes import NOT_SET

BULK_NO_ACTION = "Choose an action for the selected enrolments."
BULK_NONE_SELECTED = "Select at least one enrolment first."
BULK_IGNORED = "{count} selected enrolment(s) are not in this offer and were ignored."
ENROL_NONE_SELECTED = "Select at least one learner to enrol."
ENROLLED = "Enrolled {count} learner(s) in {offer}, each with {units} unit enrolment(s)."
ENROL_SKIPPED = "Skipped {count} already enrolled: {names}."


def _form_page(
    request,
    form,
    *,
    title: str,
    crumbs,
    cancel_url: str,
    submit: str = "Save",
    intro: str = "",
    template: str = "training/form.html",
    extra=None,
):
    context = {
        "form": form,
        "title": title,
        "crumbs": crumbs,
        "cancel_url": cancel_url,
        "submit": submit,
        "intro": intro,
        **(extra or {}),
    }
    return render(request, template, context)


def _save_form(request, form, save: Callable, *, success: str, redirect_to: Callable):
    """Run `save(cleaned_data)` if the form is valid; on a service error show it on the form.

    Returns a redirect on success, None when the form has to be shown again.
    """
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        saved = save(form.cleaned_data)
    except ValidationError as error:
        form_add_service_errors(form, error)
        return None
    messages.success(request, success.format(saved=saved))
    return redirect(redirect_to(saved))


# Units


@require_permission("training.view_unit")
def unit_list(request):
    search = SearchForm(request.GET or None)
    q = search.cleaned_data.get("q", "") if search.is_valid() else ""
    page_obj = selectors.paginate(selectors.unit_list(search=q), request.GET.get("page"))
    return render(request, "training/unit_list.html", {"search": search, "page_obj": page_obj})


@require_permission("training.add_unit")
def unit_create(request):
    form = UnitForm(request.POST or None)
    done = _save_form(
        request,
        form,
        lambda data: services.unit_create(actor=request.user, **data),
        success="Unit {saved.code} added.",
        redirect_to=lambda unit: reverse("training:unit_list") + f"?q={unit.code}",
    )
    return done or _form_page(
        request,
        form,
        title="Add a unit",
        crumbs=[("Units", reverse("training:unit_list"))],
        cancel_url=reverse("training:unit_list"),
        submit="Add unit",
    )


@require_permission("training.change_unit")
def unit_edit(request, pk: int):
    unit = get_object_or_404(Unit, pk=pk)
    form = UnitForm(request.POST or None, instance=unit)
    done = _save_form(
        request,
        form,
        lambda data: services.unit_update(unit=unit, actor=request.user, data=data),
        success="Unit {saved.code} saved.",
        redirect_to=lambda unit: reverse("training:unit_list") + f"?q={unit.code}",
    )
    if done:
        return done
    unit.refresh_from_db()
    return _form_page(
        request,
        form,
        title=f"Edit unit {unit.code}",
        crumbs=[("Units", reverse("training:unit_list"))],
        cancel_url=reverse("training:unit_list"),
    )


# Courses


@require_permission("training.view_course")
def course_list(request):
    filters = CourseFilterForm(request.GET or None)
    values = filters.cleaned_data if filters.is_valid() else {}
    courses = selectors.course_list(course_type=values.get("type", ""), search=values.get("q", ""))
    page_obj = selectors.paginate(courses, request.GET.get("page"))
    return render(request, "training/course_list.html", {"filters": filters, "page_obj": page_obj})


@require_permission("training.view_course")
def course_detail(request, pk: int):
    course = get_object_or_404(Course.objects.select_related("superseded_by"), pk=pk)
    context = {
        "course": course,
        "units": course.units.order_by("code"),
        "offers": selectors.course_offers(course=course),
        "supersedes": course.supersedes.order_by("code"),
    }
    return render(request, "training/course_detail.html", context)


@require_permission("training.add_course")
def course_create(request):
    form = CourseForm(request.POST or None)
    done = _save_form(
        request,
        form,
        lambda data: services.course_create(actor=request.user, **data),
        success="Course {saved.code} added.",
        redirect_to=lambda course: reverse("training:course_detail", args=[course.pk]),
    )
    return done or _form_page(
        request,
        form,
        title="Add a course",
        crumbs=[("Courses", reverse("training:course_list"))],
        cancel_url=reverse("training:course_list"),
        submit="Add course",
    )


@require_permission("training.change_course")
def course_edit(request, pk: int):
    course = get_object_or_404(Course, pk=pk)
    form = CourseForm(request.POST or None, instance=course)
    done = _save_form(
        request,
        form,
        lambda data: services.course_update(course=course, actor=request.user, data=data),
        success="Course {saved.code} saved.",
        redirect_to=lambda course: reverse("training:course_detail", args=[course.pk]),
    )
    if done:
        return done
    course.refresh_from_db()
    detail = reverse("training:course_detail", args=[course.pk])
    return _form_page(
        request,
        form,
        title=f"Edit course {course.code}",
        crumbs=[("Courses", reverse("training:course_list")), (course.code, detail)],
        cancel_url=detail,
    )


# Delivery locations


@require_permission("training.view_deliverylocation")
def location_list(request):
    page_obj = selectors.paginate(selectors.location_list(), request.GET.get("page"))
    return render(request, "training/location_list.html", {"page_obj": page_obj})


@require_permission("training.add_deliverylocation")
def location_create(request):
    form = LocationForm(request.POST or None)
    done = _save_form(
        request,
        form,
        lambda data: services.location_create(actor=request.user, **data),
        success="Delivery location {saved.name} added.",
        redirect_to=lambda location: reverse("training:location_list"),
    )
    return done or _form_page(
        request,
        form,
        title="Add a delivery location",
        crumbs=[("Delivery locations", reverse("training:location_list"))],
        cancel_url=reverse("training:location_list"),
        submit="Add location",
    )


@require_permission("training.change_deliverylocation")
def location_edit(request, pk: int):
    location = get_object_or_404(DeliveryLocation, pk=pk)
    form = LocationForm(request.POST or None, instance=location)
    done = _save_form(
        request,
        form,
        lambda data: services.location_update(location=location, actor=request.user, data=data),
        success="Delivery location {saved.name} saved.",
        redirect_to=lambda location: reverse("training:location_list"),
    )
    if done:
        return done
    location.refresh_from_db()
    return _form_page(
        request,
        form,
        title=f"Edit delivery location {location.name}",
        crumbs=[("Delivery locations", reverse("training:location_list"))],
        cancel_url=reverse("training:location_list"),
    )


# Course offers


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
    writer = csv.writer(response)
    writer.writerow(selectors.ENROLMENT_EXPORT_HEADER)
    writer.writerows(selectors.enrolment_export_rows(enrolments))
    return response


def _request_credential(request, offer: CourseOffer, enrolments) -> HttpResponse:
    """On to the request form for the ticked enrolments (credentials app)."""
    query = urlencode([("enrolment", enrolment.pk) for enrolment in enrolments])
    return redirect(f"{reverse('credentials:request_bulk', args=[offer.pk])}?{query}")


# Later issues add "Finalise" here.
OFFER_BULK_ACTIONS: dict[str, BulkAction] = {
    "request_credential": BulkAction(
        "Request credential", "credentials.request_credential", _request_credential
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
    context = {
        "offer": offer,
        "enrolments": selectors.offer_enrolments(offer=offer),
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
    done = _save_form(
        request,
        form,
        lambda data: services.offer_create(actor=request.user, **data),
        success="Course offer {saved.code} added.",
        redirect_to=lambda offer: reverse("training:offer_detail", args=[offer.pk]),
    )
    return done or _form_page(
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
    done = _save_form(
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
    return _form_page(
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


# Course enrolments


@require_permission("training.view_courseenrolment")
def enrolment_detail(request, pk: int):
    enrolment = get_object_or_404(selectors.enrolments_with_units(), pk=pk)
    unit_enrolments = list(enrolment.unit_enrolments.all())
    context = {
        "enrolment": enrolment,
        "unit_enrolments": unit_enrolments,
        "units_achieved": sum(1 for u in unit_enrolments if u.outcome.is_achieved),
    }
    return render(request, "training/enrolment_detail.html", context)


@require_permission("training.add_courseenrolment")
def enrolment_create(request):
    learner = None
    learner_pk = request.GET.get("learner", "")
    if learner_pk.isdigit():
        learner = Learner.objects.filter(pk=learner_pk).first()
    initial = {"learner": learner.client_id} if learner else {}
    form = EnrolmentCreateForm(request.POST or None, initial=initial)
    done = _save_form(
        request,
        form,
        lambda data: services.enrolment_create(actor=request.user, **data),
        success="Enrolled {saved.learner.full_name} in {saved.offer.code}.",
        redirect_to=lambda enrolment: reverse("training:enrolment_detail", args=[enrolment.pk]),
    )
    intro = (
        f"Enrol {learner.full_name} ({learner.client_id}) in a course offer."
        if learner
        else ("Enrol a learner in a course offer. Each unit of the course gets a unit enrolment.")
    )
    return done or _form_page(
        request,
        form,
        title="Enrol in a course offer",
        crumbs=[("Course offers", reverse("training:offer_list"))],
        cancel_url=reverse("training:offer_list"),
        submit="Enrol",
        intro=intro,
    )


@require_permission("training.change_courseenrolment")
def enrolment_edit(request, pk: int):
    enrolment = get_object_or_404(selectors.enrolments(), pk=pk)
    form = EnrolmentForm(request.POST or None, instance=enrolment)
    done = _save_form(
        request,
        form,
        lambda data: services.enrolment_update(enrolment=enrolment, actor=request.user, data=data),
        success="Enrolment saved.",
        redirect_to=lambda enrolment: reverse("training:enrolment_detail", args=[enrolment.pk]),
    )
    if done:
        return done
    enrolment.refresh_from_db()
    detail = reverse("training:enrolment_detail", args=[enrolment.pk])
    return _form_page(
        request,
        form,
        title=f"Edit enrolment: {enrolment.learner.full_name}",
        crumbs=[
            ("Course offers", reverse("training:offer_list")),
            (enrolment.offer.code, reverse("training:offer_detail", args=[enrolment.offer_id])),
            (enrolment.learner.full_name, detail),
        ],
        cancel_url=detail,
        template="training/enrolment_form.html",
        extra={"enrolment": enrolment},
    )


# Unit enrolments


def _unit_enrolment_crumbs(enrolment: CourseEnrolment):
    return [
        ("Course offers", reverse("training:offer_list")),
        (enrolment.offer.code, reverse("training:offer_detail", args=[enrolment.offer_id])),
        (enrolment.learner.full_name, reverse("training:enrolment_detail", args=[enrolment.pk])),
    ]


@require_permission("training.add_unitenrolment")
def unit_enrolment_create(request, pk: int):
    enrolment = get_object_or_404(selectors.enrolments(), pk=pk)
    jurisdiction = selectors.jurisdiction_current()
    not_set = OutcomeCode.objects.filter(jurisdiction=jurisdiction, code=NOT_SET).first()
    initial = {
        "outcome": not_set.pk if not_set else None,
        "start_date": enrolment.offer.start_date,
        "end_date": enrolment.offer.end_date,
    }
    form = UnitEnrolmentForm(
        request.POST or None, initial=initial, jurisdiction=jurisdiction, with_unit=True
    )
    detail = reverse("training:enrolment_detail", args=[enrolment.pk])
    done = _save_form(
        request,
        form,
        lambda data: services.unit_enrolment_create(
            actor=request.user, course_enrolment=enrolment, **data
        ),
        success="Unit {saved.unit.code} added to the enrolment.",
        redirect_to=lambda unit_enrolment: detail,
    )
    return done or _form_page(
        request,
        form,
        title=f"Add a unit enrolment for {enrolment.learner.full_name}",
        crumbs=_unit_enrolment_crumbs(enrolment),
        cancel_url=detail,
        submit="Add unit",
        intro=f"{enrolment.offer.code} · {enrolment.offer.course}",
    )


@require_permission("training.change_unitenrolment")
def unit_enrolment_edit(request, pk: int):
    unit_enrolment = get_object_or_404(
        UnitEnrolment.objects.select_related(
            "unit", "outcome", "course_enrolment__learner", "course_enrolment__offer__course"
        ),
        pk=pk,
    )
    enrolment = unit_enrolment.course_enrolment
    form = UnitEnrolmentForm(
        request.POST or None,
        instance=unit_enrolment,
        jurisdiction=selectors.jurisdiction_current(),
    )
    detail = reverse("training:enrolment_detail", args=[enrolment.pk])
    done = _save_form(
        request,
        form,
        lambda data: services.unit_enrolment_update(
            unit_enrolment=unit_enrolment, actor=request.user, data=data
        ),
        success="Unit {saved.unit.code} saved.",
        redirect_to=lambda unit_enrolment: detail,
    )
    if done:
        return done
    unit_enrolment.refresh_from_db()
    return _form_page(
        request,
        form,
        title=f"{unit_enrolment.unit.code} for {enrolment.learner.full_name}",
        crumbs=_unit_enrolment_crumbs(enrolment),
        cancel_url=detail,
        intro=f"{unit_enrolment.unit} · current outcome {unit_enrolment.outcome}",
    )


# Outcome codes


@require_permission("training.view_outcomecode")
def outcome_code_list(request):
    (current_label, current), (other_label, other) = selectors.outcome_code_sets()
    context = {
        "current_label": current_label,
        "current": current,
        "other_label": other_label,
        "other": other,
    }
    return render(request, "training/outcome_code_list.html", context)
