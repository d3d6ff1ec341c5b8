"""Qualification enrolment pages: enrol, the enrolment with its audit explanation, audit,
switch major, move to the superseding qualification, request credentials (one or in bulk),
and the learner's Qualifications tab."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from testamur.core.permissions import require_permission
from testamur.credentials.qualification_requests import (
    NOT_READY,
    credential_request_for_qualification,
    credential_request_for_qualification_bulk,
)
from testamur.learners.models import Learner
from testamur.qualifications import selectors, services
from testamur.qualifications.forms import (
    QualificationEnrolmentForm,
    QualificationRequestForm,
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
    REQUEST,
    VIEW,
    qualification_or_404,
)
from testamur.training.forms import form_add_service_errors, posted_ids

CHANGE = "qualifications.change_qualificationenrolment"
ADD = "qualifications.add_qualificationenrolment"

ENROLLED = "Enrolled {name} in {code}. {summary}"
REQUESTED = "Requested the testamur and record of results for {name}; generating them now."
MAJOR_SWITCHED = "{name}'s major is now {major}. {summary}"
TRANSITIONED = "{name} moved from {old} to {new}. {summary}"
NO_OTHER_MAJOR = (
    "Switch major is for a learner who achieved another major (audit outcome Other Majors "
    "Achieved or All Majors Achieved); {name}'s last audit: {outcome}."
)
NOTHING_SELECTED = "Select at least one enrolment to request credentials for."
IGNORED = "{count} selected enrolment(s) are not in this qualification and were ignored."
NO_QUALIFICATIONS = "{name} is not enrolled in any qualification yet."
SWITCH_OUTCOMES = (AuditOutcome.OTHER_MAJORS, AuditOutcome.ALL_MAJORS)


def _enrolment_or_404(pk: int) -> QualificationEnrolment:
    return get_object_or_404(selectors.enrolments_base(), pk=pk)


def _crumbs(enrolment: QualificationEnrolment) -> list[tuple[str, str]]:
    qualification = enrolment.qualification
    return [
        ("Qualifications", reverse("qualifications:list")),
        (qualification.code, reverse("qualifications:detail", args=[qualification.pk])),
        (
            enrolment.learner.full_name,
            reverse("qualifications:enrolment_detail", args=[enrolment.pk]),
        ),
    ]


def _detail_url(enrolment) -> str:
    return reverse("qualifications:enrolment_detail", args=[enrolment.pk])


def _form_page(request, form, *, title, crumbs, cancel_url, submit="Save", intro=""):
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
            return redirect(_detail_url(enrolment))
    back = (
        reverse("learners:qualifications", args=[learner.pk])
        if learner
        else reverse("qualifications:list")
    )
    return _form_page(
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
    enrolment = _enrolment_or_404(pk)
    superseded_by = enrolment.qualification.superseded_by
    return render(
        request,
        "qualifications/enrolment_detail.html",
        {
            "enrolment": enrolment,
            "crumbs": _crumbs(enrolment)[:2],
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
    enrolment = _enrolment_or_404(pk)
    tally = services.qualification_enrolment_audit(actor=request.user, enrolment=enrolment)
    if tally.skipped:
        messages.warning(request, tally.summary())
    else:
        messages.success(request, enrolment.audit_summary)
    back = request.POST.get("next", "")
    learner_tab = reverse("learners:qualifications", args=[enrolment.learner_id])
    return redirect(learner_tab if back == "learner" else _detail_url(enrolment))


@require_permission(CHANGE)
def enrolment_switch_major(request, pk: int):
    enrolment = _enrolment_or_404(pk)
    majors = switchable_majors(enrolment)
    if not majors.exists():
        messages.error(
            request,
            NO_OTHER_MAJOR.format(
                name=enrolment.learner.full_name,
                outcome=enrolment.get_audit_outcome_display() or "not audited",
            ),
        )
        return redirect(_detail_url(enrolment))
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
            return redirect(_detail_url(enrolment))
    current = enrolment.major.name if enrolment.major else "no major"
    return _form_page(
        request,
        form,
        title=f"Switch major: {enrolment.learner.full_name}",
        crumbs=_crumbs(enrolment),
        cancel_url=_detail_url(enrolment),
        submit="Switch major",
        intro=(
            f"Assigned now: {current}. The learner has achieved the majors listed, so switching "
            f"makes the enrolment Ready to be Requested."
        ),
    )


@require_permission(CHANGE)
def enrolment_transition(request, pk: int):
    enrolment = _enrolment_or_404(pk)
    new = enrolment.qualification.superseded_by
    if new is None:
        messages.error(
            request,
            NOT_SUPERSEDED.format(qualification=enrolment.qualification.code),
        )
        return redirect(_detail_url(enrolment))
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
            return redirect(_detail_url(enrolment))
    return _form_page(
        request,
        form,
        title=f"Move {enrolment.learner.full_name} to {new.code}",
        crumbs=_crumbs(enrolment),
        cancel_url=_detail_url(enrolment),
        submit=f"Move to {new.code}",
        intro=(
            f"{enrolment.qualification.code} is superseded by {new}. The enrolment moves to "
            f"{new.code}, keeps a record of the transition, and is audited against {new.code}'s "
            f"rules (mapped equivalent units count)."
        ),
    )


@require_permission(REQUEST, VIEW)
def enrolment_request(request, pk: int):
    """Request the testamur and record of results for one Ready enrolment."""
    enrolment = _enrolment_or_404(pk)
    # Started from the learner's Qualifications tab: go back there afterwards.
    from_learner = request.GET.get("next") == "learner"
    back = (
        reverse("learners:qualifications", args=[enrolment.learner_id])
        if from_learner
        else _detail_url(enrolment)
    )
    if enrolment.status != QualificationStatus.READY:
        messages.error(
            request,
            NOT_READY.format(
                learner=enrolment.learner.full_name,
                status=enrolment.get_status_display(),
                qualification=enrolment.qualification.code,
            ),
        )
        return redirect(back)
    form = QualificationRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            credential_request_for_qualification(
                actor=request.user, qualification_enrolment=enrolment, **form.cleaned_data
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, REQUESTED.format(name=enrolment.learner.full_name))
            return redirect(back)
    return _form_page(
        request,
        form,
        title=f"Request credentials: {enrolment.learner.full_name}",
        crumbs=_crumbs(enrolment),
        cancel_url=back,
        submit="Request credentials",
        intro=(
            f"The testamur and the record of results for {enrolment.qualification}, requested "
            f"together and generated in the background; an Admin then issues them."
        ),
    )


@require_permission(REQUEST, VIEW)
def request_bulk(request, pk: int):
    """Request credentials for the ticked enrolments of a qualification."""
    qualification = qualification_or_404(pk)
    back = reverse("qualifications:detail", args=[qualification.pk])
    data = request.POST if request.method == "POST" else request.GET
    raw = {value for value in data.getlist("enrolment") if value}
    enrolments = selectors.qualification_enrolments_selected(
        qualification=qualification, ids=posted_ids(list(raw))
    )
    if len(raw) > len(enrolments):
        messages.warning(request, IGNORED.format(count=len(raw) - len(enrolments)))
    if not enrolments:
        messages.error(request, NOTHING_SELECTED)
        return redirect(back)
    form = QualificationRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = credential_request_for_qualification_bulk(
                actor=request.user, qualification_enrolments=enrolments, **form.cleaned_data
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            (messages.warning if outcome.skipped else messages.success)(request, outcome.summary())
            query = urlencode([("select", c.pk) for c in outcome.done])
            return redirect(
                f"{reverse('qualifications:credentials', args=[qualification.pk])}?{query}"
            )
    ready = sum(1 for e in enrolments if e.status == QualificationStatus.READY)
    return render(
        request,
        "qualifications/request_bulk.html",
        {
            "form": form,
            "qualification": qualification,
            "enrolments": enrolments,
            "ready": ready,
        },
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
