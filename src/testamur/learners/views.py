"""The learner pages: list and search, add and edit, the learner record and its tabs."""

import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from testamur.core.permissions import require_permission
from testamur.learners.forms import (
    EMAIL_CONSENT,
    ActiveForm,
    LearnerFilterForm,
    LearnerForm,
    UsiVerifyForm,
    form_add_service_errors,
)
from testamur.learners.models import Learner, UsiStatus
from testamur.learners.selectors import (
    history_rows,
    learner_enrolments,
    learner_events,
    learner_list,
    learner_next_client_id,
)
from testamur.learners.services import (
    NO_USI_TO_VERIFY,
    PERM_SET_ACTIVE,
    learner_create,
    learner_email_consent_set,
    learner_set_active,
    learner_update,
    learner_usi_verify,
)
from testamur.learners.widgets import picker_context

PER_PAGE = 50

LEARNER_ADDED = "Added {name} as learner {client_id}."
LEARNER_SAVED = "Saved the changes to {name}."
LEARNER_UNCHANGED = "Nothing changed."
USI_NOW_UNVERIFIED = "The USI changed, so it is now Not verified. Record its verification again."
USI_DETAILS_UNVERIFIED = (
    "The name or date of birth changed, so the USI is now Not verified. Verify it again."
)
USI_VERIFIED = "Recorded the USI verification."
LEARNER_ACTIVATED = "{name} is active again."
LEARNER_DEACTIVATED = "{name} is now inactive."
ACTIVE_CHOICE_MISSING = "Choose whether the learner is active or inactive."
NO_CREDENTIALS = "No credentials have been requested for this learner yet."

VIEW = "learners.view_learner"


_PICKER_FIELD = re.compile(r"^[a-z_]{1,30}$")


@require_permission(VIEW)
def learner_picker_view(request):
    """The learner picker's list for what has been typed so far (fetched by htmx)."""
    field = request.GET.get("field", "")
    if not _PICKER_FIELD.match(field):
        field = "learner"
    context = picker_context(
        field=field,
        search=(request.GET.get(f"{field}_q") or "").strip()[:100],
        chosen=(request.GET.get(field) or "").strip()[:10],
    )
    return render(request, "learners/picker/results.html", context)


def _page(request, items):
    return Paginator(items, PER_PAGE).get_page(request.GET.get("page"))


def _learner_page(request, learner, tab: str, template: str, **context):
    return render(
        request,
        template,
        {"learner": learner, "tab": tab, **context},
    )


@require_permission(VIEW)
def learner_list_view(request):
    form = LearnerFilterForm(request.GET)
    filters = form.filters()
    page_obj = _page(request, learner_list(**filters))
    filtered = any(value not in ("", None) for value in filters.values())
    return render(
        request,
        "learners/learner_list.html",
        {"form": form, "page_obj": page_obj, "filtered": filtered},
    )


@require_permission("learners.add_learner")
def learner_create_view(request):
    next_id = learner_next_client_id()
    form = LearnerForm(request.POST or None, next_client_id=next_id)
    if request.method == "POST" and form.is_valid():
        try:
            fields = dict(form.cleaned_data)
            consent = fields.pop(EMAIL_CONSENT, "")
            with transaction.atomic():
                learner = learner_create(actor=request.user, **fields)
                learner_email_consent_set(learner=learner, actor=request.user, source=consent)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(
                request, LEARNER_ADDED.format(name=learner.full_name, client_id=learner.client_id)
            )
            return redirect("learners:detail", pk=learner.pk)
    return render(request, "learners/learner_form.html", {"form": form, "learner": None})


@require_permission("learners.change_learner")
def learner_edit_view(request, pk: int):
    learner = get_object_or_404(Learner, pk=pk)
    form = LearnerForm(request.POST or None, instance=learner)
    if request.method == "POST" and form.is_valid():
        before = learner.updated_at
        try:
            fields = dict(form.cleaned_data)
            consent = fields.pop(EMAIL_CONSENT, "")
            with transaction.atomic():
                learner_update(learner=learner, actor=request.user, **fields)
                saved = learner_email_consent_set(
                    learner=learner, actor=request.user, source=consent
                )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            if saved.updated_at == before:
                messages.info(request, LEARNER_UNCHANGED)
            else:
                messages.success(request, LEARNER_SAVED.format(name=saved.full_name))
            reset = (
                learner.usi_status == UsiStatus.VERIFIED
                and saved.usi_status == UsiStatus.NOT_VERIFIED
            )
            if reset:
                changed_usi = saved.usi != learner.usi
                messages.warning(
                    request, USI_NOW_UNVERIFIED if changed_usi else USI_DETAILS_UNVERIFIED
                )
            return redirect("learners:detail", pk=learner.pk)
    return render(request, "learners/learner_form.html", {"form": form, "learner": learner})


@require_permission(VIEW)
def learner_detail_view(request, pk: int):
    learner = get_object_or_404(Learner.objects.select_related("usi_verified_by"), pk=pk)
    return _learner_page(request, learner, "details", "learners/learner_detail.html")


@require_permission(VIEW, "training.view_courseenrolment")
def learner_enrolments_view(request, pk: int):
    learner = get_object_or_404(Learner, pk=pk)
    return _learner_page(
        request,
        learner,
        "enrolments",
        "learners/learner_enrolments.html",
        enrolments=learner_enrolments(learner=learner),
    )


@require_permission(VIEW)
def learner_credentials_view(request, pk: int):
    learner = get_object_or_404(Learner, pk=pk)
    return _learner_page(
        request,
        learner,
        "credentials",
        "learners/learner_credentials.html",
        empty_message=NO_CREDENTIALS,
    )


@require_permission(VIEW)
def learner_history_view(request, pk: int):
    learner = get_object_or_404(Learner, pk=pk)
    page_obj = _page(request, learner_events(learner=learner))
    return _learner_page(
        request,
        learner,
        "history",
        "learners/learner_history.html",
        page_obj=page_obj,
        rows=history_rows(page_obj.object_list),
    )


@require_permission("learners.change_learner")
def learner_verify_usi_view(request, pk: int):
    learner = get_object_or_404(Learner, pk=pk)
    initial = {
        "verified_on": learner.usi_verified_on or timezone.localdate(),
        "evidence": learner.usi_evidence,
    }
    form = UsiVerifyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            learner_usi_verify(
                learner=learner,
                actor=request.user,
                verified_on=form.cleaned_data["verified_on"],
                evidence=form.cleaned_data["evidence"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, USI_VERIFIED)
            return redirect("learners:detail", pk=learner.pk)
    return _learner_page(
        request,
        learner,
        "details",
        "learners/learner_verify_usi.html",
        form=form,
        no_usi_message=NO_USI_TO_VERIFY,
    )


@require_permission("learners.change_learner", PERM_SET_ACTIVE)
@require_POST
def learner_toggle_active_view(request, pk: int):
    learner = get_object_or_404(Learner, pk=pk)
    form = ActiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, ACTIVE_CHOICE_MISSING)
        return redirect("learners:detail", pk=learner.pk)
    active = form.cleaned_data["active"]
    try:
        learner_set_active(
            learner=learner,
            actor=request.user,
            is_active=active,
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        message = LEARNER_ACTIVATED if active else LEARNER_DEACTIVATED
        messages.success(request, message.format(name=learner.full_name))
    return redirect("learners:detail", pk=learner.pk)
