"""Course enrolments and their unit enrolments."""

from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from testamur.core.permissions import require_permission
from testamur.learners.models import Learner
from testamur.learners.selectors import history_rows
from testamur.training import selectors, services
from testamur.training.forms import EnrolmentCreateForm, EnrolmentForm, UnitEnrolmentForm
from testamur.training.hooks import enrolment_credential_summary
from testamur.training.models import CourseEnrolment, OutcomeCode, UnitEnrolment
from testamur.training.outcome_codes import NOT_SET
from testamur.training.views.common import form_page, save_form

# Course enrolments


@require_permission("training.view_courseenrolment")
def enrolment_detail(request, pk: int):
    enrolment = get_object_or_404(
        selectors.enrolments_with_units().select_related("transitioned_from__offer__course"),
        pk=pk,
    )
    unit_enrolments = list(enrolment.unit_enrolments.all())
    checklist = selectors.finalisation_checklist(
        enrolment=enrolment,
        unit_enrolments=unit_enrolments,
        credential=enrolment_credential_summary(enrolment=enrolment),
    )
    context = {
        "enrolment": enrolment,
        "unit_enrolments": unit_enrolments,
        "units_achieved": sum(1 for u in unit_enrolments if u.outcome.is_achieved),
        "checklist": checklist,
        "outstanding": sum(1 for item in checklist if item.done is False),
        "transitioned_to": selectors.enrolment_transitioned_to(enrolment=enrolment),
        "history": history_rows(selectors.enrolment_events(enrolment=enrolment)),
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
    done = save_form(
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
    return done or form_page(
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
    done = save_form(
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
    return form_page(
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
    done = save_form(
        request,
        form,
        lambda data: services.unit_enrolment_create(
            actor=request.user, course_enrolment=enrolment, **data
        ),
        success="Unit {saved.unit.code} added to the enrolment.",
        redirect_to=lambda unit_enrolment: detail,
    )
    return done or form_page(
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
    done = save_form(
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
    return form_page(
        request,
        form,
        title=f"{unit_enrolment.unit.code} for {enrolment.learner.full_name}",
        crumbs=_unit_enrolment_crumbs(enrolment),
        cancel_url=detail,
        intro=f"{unit_enrolment.unit} · current outcome {unit_enrolment.outcome}",
    )
