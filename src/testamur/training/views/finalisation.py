"""Finalising enrolments (one, or many from an offer), bulk unit outcomes, transition."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from testamur.core.permissions import require_permission
from testamur.training import selectors
from testamur.training.finalisation.plans import plans_fingerprint
from testamur.training.finalisation.services import (
    PREVIEW_STALE,
    enrolment_checklist_update,
    enrolment_finalise_preview,
    enrolments_finalise,
)
from testamur.training.finalisation.transition import enrolment_transition as transition_service
from testamur.training.finalisation.unit_outcomes import unit_enrolments_update_many
from testamur.training.forms import (
    ChecklistForm,
    FinaliseForm,
    TransitionForm,
    UnitOutcomesForm,
    form_add_service_errors,
    posted_ids,
)
from testamur.training.models import CourseOffer, EnrolmentStatus
from testamur.training.outcome_codes import NOT_SET, WITHDRAWN
from testamur.training.views.common import form_page, save_form

FINALISE = "training.finalise_courseenrolment"

FINALISED = "Finalised {count} enrolment(s) as {status}: {changes} change(s) recorded."
ENROLMENTS_IGNORED = "{count} selected enrolment(s) are not in this offer and were ignored."
NO_ENROLMENTS = "Select at least one enrolment to finalise."
UNITS_UPDATED = "Updated {count} unit enrolment(s)."
UNITS_UNCHANGED = "Nothing changed: the selected unit enrolments already had these values."
CHECKLIST_SAVED = "Finalisation checklist saved."
TRANSITIONED = "Enrolled {name} in {offer}; this enrolment is linked to the superseded one."


def _crumbs(offer: CourseOffer, *extra):
    return [
        ("Course offers", reverse("training:offer_list")),
        (offer.code, reverse("training:offer_detail", args=[offer.pk])),
        *extra,
    ]


def _finalise(request, enrolments, *, single: bool, back: str, context: dict):
    """Form → preview of every change → apply. The same steps for one or many enrolments."""
    unit_enrolments = list(enrolments[0].unit_enrolments.all()) if single else []
    step = request.POST.get("step", "") if request.method == "POST" else ""
    jurisdiction = selectors.jurisdiction_current()
    form = FinaliseForm(
        request.POST if step else None,
        jurisdiction=jurisdiction,
        unit_enrolments=unit_enrolments,
    )
    codes = {"withdrawn": WITHDRAWN[jurisdiction], "not_set": NOT_SET}
    page = {
        **context,
        "form": form,
        "enrolments": enrolments,
        "single": single,
        "back": back,
        "codes": codes,
    }
    if step not in ("preview", "apply") or not form.is_valid():
        return render(request, "training/finalise.html", page)
    finalisation = form.finalisation()
    if step == "apply":
        try:
            plans = enrolments_finalise(
                enrolments=enrolments,
                finalisation=finalisation,
                actor=request.user,
                fingerprint=request.POST.get("fingerprint", ""),
            )
        except ValidationError as error:
            if PREVIEW_STALE not in error.messages:
                form_add_service_errors(form, error)
                return render(request, "training/finalise.html", page)
            messages.error(request, PREVIEW_STALE)
        else:
            status = EnrolmentStatus(finalisation.status).label
            changes = sum(plan.change_count for plan in plans)
            done = FINALISED.format(count=len(plans), status=status, changes=changes)
            messages.success(request, done)
            return redirect(back)
    try:
        plans = enrolment_finalise_preview(enrolments=enrolments, finalisation=finalisation)
    except ValidationError as error:
        form_add_service_errors(form, error)
        return render(request, "training/finalise.html", page)
    page.update(plans=plans, fingerprint=plans_fingerprint(plans), status=finalisation.status)
    return render(request, "training/finalise_preview.html", page)


@require_permission("training.view_courseenrolment", FINALISE)
def enrolment_finalise(request, pk: int):
    enrolment = get_object_or_404(selectors.enrolments_with_units(), pk=pk)
    back = reverse("training:enrolment_detail", args=[enrolment.pk])
    crumbs = _crumbs(enrolment.offer, (enrolment.learner.full_name, back))
    context = {"title": f"Finalise {enrolment.learner.full_name}", "crumbs": crumbs}
    return _finalise(request, [enrolment], single=True, back=back, context=context)


def _selected(request, offer: CourseOffer):
    data = request.POST if request.method == "POST" else request.GET
    raw = {value for value in data.getlist("enrolment") if value}
    enrolments = list(selectors.offer_enrolments_selected(offer=offer, ids=posted_ids(list(raw))))
    if len(raw) > len(enrolments) and request.method == "GET":
        messages.warning(request, ENROLMENTS_IGNORED.format(count=len(raw) - len(enrolments)))
    return enrolments


@require_permission("training.view_courseoffer", "training.view_courseenrolment", FINALISE)
def offer_finalise(request, pk: int):
    offer = get_object_or_404(CourseOffer.objects.select_related("course"), pk=pk)
    back = reverse("training:offer_detail", args=[offer.pk])
    enrolments = _selected(request, offer)
    if not enrolments:
        messages.error(request, NO_ENROLMENTS)
        return redirect(back)
    context = {"title": f"Finalise enrolments in {offer.code}", "crumbs": _crumbs(offer)}
    return _finalise(request, enrolments, single=False, back=back, context=context)


@require_permission("training.view_courseoffer", "training.change_unitenrolment")
def offer_unit_outcomes(request, pk: int):
    """Tick unit enrolments of an offer and set their outcome and/or dates, all or nothing."""
    offer = get_object_or_404(CourseOffer.objects.select_related("course"), pk=pk)
    enrolment_ids = posted_ids(request.GET.getlist("enrolment"))
    units = offer.course.units.order_by("code")
    unit = units.filter(pk__in=posted_ids([request.GET.get("unit", "")])).first()
    rows = list(
        selectors.offer_unit_enrolments(offer=offer, enrolment_ids=enrolment_ids, unit=unit)
    )
    form = UnitOutcomesForm(request.POST or None, jurisdiction=selectors.jurisdiction_current())
    chosen = set(posted_ids(request.POST.getlist("unit_enrolment")))
    problems = []
    if request.method == "POST" and form.is_valid():
        picked = [row for row in rows if row.pk in chosen]
        try:
            count = unit_enrolments_update_many(
                actor=request.user,
                unit_enrolments=picked,
                rows={row.pk: number for number, row in enumerate(rows, start=1)},
                **form.cleaned_data,
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                form_add_service_errors(form, error)
            else:
                problems = error.messages
        else:
            if count:
                messages.success(request, UNITS_UPDATED.format(count=count))
            else:
                messages.info(request, UNITS_UNCHANGED)
            return redirect(request.get_full_path())
    context = {
        "offer": offer,
        "form": form,
        "rows": rows,
        "chosen": chosen,
        "problems": problems,
        "units": units,
        "unit": unit,
        "enrolment_ids": enrolment_ids,
        "crumbs": _crumbs(offer),
    }
    return render(request, "training/offer_unit_outcomes.html", context)


@require_permission("training.view_courseenrolment", "training.add_courseenrolment", FINALISE)
def enrolment_transition(request, pk: int):
    """Move the learner from a superseded qualification to the one that replaces it."""
    enrolment = get_object_or_404(selectors.enrolments(), pk=pk)
    detail = reverse("training:enrolment_detail", args=[enrolment.pk])
    new_course = enrolment.offer.course.superseded_by
    if new_course is None:
        return redirect(detail)
    form = TransitionForm(request.POST or None, course=new_course)
    if request.method == "POST" and form.is_valid():
        try:
            new = transition_service(actor=request.user, enrolment=enrolment, **form.cleaned_data)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            name = enrolment.learner.full_name
            messages.success(request, TRANSITIONED.format(name=name, offer=new.offer.code))
            return redirect("training:enrolment_detail", pk=new.pk)
    context = {
        "enrolment": enrolment,
        "new_course": new_course,
        "form": form,
        "crumbs": _crumbs(enrolment.offer, (enrolment.learner.full_name, detail)),
        "back": detail,
    }
    return render(request, "training/transition.html", context)


@require_permission("training.change_courseenrolment")
def enrolment_checklist(request, pk: int):
    """Record the finalisation steps done elsewhere: completion survey, portal access."""
    enrolment = get_object_or_404(selectors.enrolments(), pk=pk)
    detail = reverse("training:enrolment_detail", args=[enrolment.pk])
    form = ChecklistForm(request.POST or None, instance=enrolment)
    done = save_form(
        request,
        form,
        lambda data: enrolment_checklist_update(enrolment=enrolment, actor=request.user, data=data),
        success=CHECKLIST_SAVED,
        redirect_to=lambda saved: f"{detail}#checklist-heading",
    )
    return done or form_page(
        request,
        form,
        title=f"Finalisation checklist: {enrolment.learner.full_name}",
        crumbs=_crumbs(enrolment.offer, (enrolment.learner.full_name, detail)),
        cancel_url=detail,
        intro=f"{enrolment.offer.code} · {enrolment.offer.course}",
    )
