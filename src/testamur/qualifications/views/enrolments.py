"""Qualification enrolment pages: enrol, the enrolment with its audit explanation, audit,
switch major, move to the superseding qualification, request credentials (one or in bulk),
and the learner's Qualifications tab."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from testamur.core.forms import form_add_service_errors
from testamur.core.permissions import require_permission
from testamur.learners.models import Learner
from testamur.qualifications import selectors, services
from testamur.qualifications.forms import (
    QualificationEnrolmentForm,
    SwitchMajorForm,
    TransitionForm,
)
from testamur.qualifications.models import (
    OPEN_STATUSES,
    AuditOutcome,
    Major,
    QualificationEnrolment,
    QualificationStatus,
)
from testamur.qualifications.services.enrolments import NOT_SUPERSEDED
from testamur.qualifications.views.qualifications import (
    AUDIT,
    VIEW,
)

CHANGE = "qualifications.change_qualificationenrolment"
ADD = "qualifications.add_qualificationenrolment"

ENROLLED = "Enrolled {name} in {code}. {summary}"
MAJOR_SWITCHED = "{name}'s major is now {major}. {summary}"
TRANSITIONED = "{name} moved from {old} to {new}. {summary}"
NO_OTHER_MAJOR = (
    "Switch major is for a learner who achieved another major (audit outcome Other Majors "
    "Achieved or All Majors Achieved); {name}'s last audit: {outcome}."
)
NO_QUALIFICATIONS = "{name} is not enrolled in any qualification yet."
SWITCH_OUTCOMES = (AuditOutcome.OTHER_MAJORS, AuditOutcome.ALL_MAJORS)


def enrolment_or_404(pk: int) -> QualificationEnrolment:
    return get_object_or_404(selectors.enrolments_base(), pk=pk)


def enrolment_crumbs(enrolment: QualificationEnrolment) -> list[tuple[str, str]]:
    qualification = enrolment.qualification
    return [
        ("Qualifications", reverse("qualifications:list")),
        (qualification.code, reverse("qualifications:detail", args=[qualification.pk])),
        (
            enrolment.learner.full_name,
            reverse("qualifications:enrolment_detail", args=[enrolment.pk]),
        ),
    ]


def enrolment_url(enrolment) -> str:
    return reverse("qualifications:enrolment_detail", args=[enrolment.pk])


def form_page(request, form, *, title, crumbs, cancel_url, submit="Save", intro=""):
    return render(
        request,
        "qualifications/form.html",
        {
            "form": form,
            "title": title,
            "crumbs": crumbs,
            "cancel_url": cancel_url,
            "submit": submit,
            "intro": intro,
        },
    )


def switchable_majors(enrolment: QualificationEnrolment):
    """Majors the last audit found achieved, other than the assigned one."""
    if enrolment.audit_outcome not in SWITCH_OUTCOMES or enrolment.status not in OPEN_STATUSES:
        return Major.objects.none()
    names = [
        major["name"]
        for major in enrolment.audit_explanation.get("majors", [])
        if major.get("achieved") and not major.get("assigned")
    ]
    return Major.objects.filter(rule__qualification=enrolment.qualification, name__in=names)


@require_permission(ADD)
def enrolment_create(request):
    initial = {}
    learner_pk = request.GET.get("learner", "")
    learner = Learner.objects.filter(pk=learner_pk).first() if learner_pk.isdigit() else None
    if learner:
        initial["learner"] = learner.client_id
    if request.GET.get("qualification", "").isdigit():
        initial["qualification"] = request.GET["qualification"]
    form = QualificationEnrolmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            enrolment = services.qualification_enrolment_create(
                actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(
                request,
                ENROLLED.format(
                    name=enrolment.learner.full_name,
                    code=enrolment.qualification.code,
                    summary=enrolment.audit_summary,
                ),
            )
            return redirect(enrolment_url(enrolment))
    back = (
        reverse("qualifications:learner_qualifications", args=[learner.pk])
        if learner
        else reverse("qualifications:list")
    )
    return form_page(
        request,
        form,
        title="Enrol in a qualification",
        crumbs=[("Qualifications", reverse("qualifications:list"))],
        cancel_url=back,
        submit="Enrol",
        intro=(
            "The learner is audited straight away against the qualification's packaging rules, "
            "using their unit outcomes from every course enrolment."
        ),
    )


def explanation_sections(enrolment: QualificationEnrolment) -> dict:
    """The stored audit explanation, arranged for the page."""
    explanation = enrolment.audit_explanation or {}
    return {
        "requirements": explanation.get("requirements", []),
        "requirements_met": explanation.get("requirements_met", False),
        "majors": explanation.get("majors", []),
        "credited": sorted((explanation.get("credited") or {}).items()),
        "achieved_units": explanation.get("achieved_units", 0),
    }


@require_permission(VIEW)
def enrolment_detail(request, pk: int):
    enrolment = enrolment_or_404(pk)
    superseded_by = enrolment.qualification.superseded_by
    return render(
        request,
        "qualifications/enrolment_detail.html",
        {
            "enrolment": enrolment,
            "crumbs": enrolment_crumbs(enrolment)[:2],
            "explanation": explanation_sections(enrolment),
            "can_switch": switchable_majors(enrolment).exists(),
            "can_request": enrolment.status == QualificationStatus.READY,
            "can_transition": superseded_by is not None and enrolment.status in OPEN_STATUSES,
            "superseded_by": superseded_by,
        },
    )


@require_permission(AUDIT)
@require_POST
def enrolment_audit(request, pk: int):
    enrolment = enrolment_or_404(pk)
    tally = services.qualification_enrolment_audit(actor=request.user, enrolment=enrolment)
    if tally.skipped:
        messages.warning(request, tally.summary())
    else:
        messages.success(request, enrolment.audit_summary)
    back = request.POST.get("next", "")
    learner_tab = reverse("qualifications:learner_qualifications", args=[enrolment.learner_id])
    return redirect(learner_tab if back == "learner" else enrolment_url(enrolment))


@require_permission(CHANGE)
def enrolment_switch_major(request, pk: int):
    enrolment = enrolment_or_404(pk)
    majors = switchable_majors(enrolment)
    if not majors.exists():
        messages.error(
            request,
            NO_OTHER_MAJOR.format(
                name=enrolment.learner.full_name,
                outcome=enrolment.get_audit_outcome_display() or "not audited",
            ),
        )
        return redirect(enrolment_url(enrolment))
    form = SwitchMajorForm(request.POST or None, majors=majors)
    if request.method == "POST" and form.is_valid():
        try:
            services.qualification_enrolment_switch_major(
                actor=request.user, enrolment=enrolment, major=form.cleaned_data["major"]
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            enrolment.refresh_from_db()
            messages.success(
                request,
                MAJOR_SWITCHED.format(
                    name=enrolment.learner.full_name,
                    major=enrolment.major.name,
                    summary=enrolment.audit_summary,
                ),
            )
            return redirect(enrolment_url(enrolment))
    current = enrolment.major.name if enrolment.major else "no major"
    return form_page(
        request,
        form,
        title=f"Switch major: {enrolment.learner.full_name}",
        crumbs=enrolment_crumbs(enrolment),
        cancel_url=enrolment_url(enrolment),
        submit="Switch major",
        intro=(
            f"Assigned now: {current}. The learner has achieved the majors listed, so switching "
            f"makes the enrolment Ready to be Requested."
        ),
    )


@require_permission(CHANGE)
def enrolment_transition(request, pk: int):
    enrolment = enrolment_or_404(pk)
    new = enrolment.qualification.superseded_by
    if new is None:
        messages.error(
            request,
            NOT_SUPERSEDED.format(qualification=enrolment.qualification.code),
        )
        return redirect(enrolment_url(enrolment))
    form = TransitionForm(request.POST or None, qualification=new)
    if request.method == "POST" and form.is_valid():
        old = enrolment.qualification.code
        try:
            services.qualification_enrolment_transition(
                actor=request.user, enrolment=enrolment, **form.cleaned_data
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            enrolment.refresh_from_db()
            messages.success(
                request,
                TRANSITIONED.format(
                    name=enrolment.learner.full_name,
                    old=old,
                    new=new.code,
                    summary=enrolment.audit_summary,
                ),
            )
            return redirect(enrolment_url(enrolment))
    return form_page(
        request,
        form,
        title=f"Move {enrolment.learner.full_name} to {new.code}",
        crumbs=enrolment_crumbs(enrolment),
        cancel_url=enrolment_url(enrolment),
        submit=f"Move to {new.code}",
        intro=(
            f"{enrolment.qualification.code} is superseded by {new}. The enrolment moves to "
            f"{new.code}, keeps a record of the transition, and is audited against {new.code}'s "
            f"rules (mapped equivalent units count)."
        ),
    )


@require_permission("learners.view_learner", VIEW)
def learner_qualifications(request, pk: int):
    """The learner's Qualifications tab."""
    learner = get_object_or_404(Learner, pk=pk)
    return render(
        request,
        "qualifications/learner_qualifications.html",
        {
            "learner": learner,
            "tab": "qualifications",
            "enrolments": selectors.learner_qualification_enrolments(learner=learner),
            "empty_message": NO_QUALIFICATIONS.format(name=learner.given_name),
        },
    )
