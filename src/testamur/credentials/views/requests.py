"""Request credential: one from a course enrolment, many from a course offer."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from testamur.core.permissions import require_permission
from testamur.credentials.forms import CredentialRequestBulkForm, CredentialRequestForm
from testamur.credentials.models import CredentialType
from testamur.credentials.selectors import templates_available
from testamur.credentials.services import PERM_REQUEST, credential_request, credential_request_bulk
from testamur.credentials.views.common import register_url, summary
from testamur.training import selectors as training_selectors
from testamur.training.forms import form_add_service_errors, posted_ids
from testamur.training.models import CourseOffer

ENROLMENTS_IGNORED = "{count} selected enrolment(s) are not in this offer and were ignored."
NO_ENROLMENTS = "Select at least one enrolment to request credentials for."
REQUESTED_ONE = "Requested a {kind} for {name}."


def _record_of_results(values: dict):
    """The record of results template to request with a testamur, when the form asked for it."""
    wanted = values.pop("with_record_of_results", False)
    if not wanted or values["template"].credential_type != CredentialType.TESTAMUR:
        return None
    return templates_available().filter(credential_type=CredentialType.RECORD_OF_RESULTS).first()


@require_permission(PERM_REQUEST, "training.view_courseenrolment")
def request_credential(request, pk: int):
    """Request one credential for a course enrolment."""
    enrolment = get_object_or_404(training_selectors.enrolments(), pk=pk)
    form = CredentialRequestForm(
        request.POST or None, course=enrolment.offer.course, enrolments=[enrolment]
    )
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        also = _record_of_results(values)
        try:
            with transaction.atomic():  # both or neither
                credential = credential_request(
                    actor=request.user, course_enrolment=enrolment, generate=True, **values
                )
                if also:
                    credential_request(
                        actor=request.user,
                        course_enrolment=enrolment,
                        generate=True,
                        **{**values, "template": also},
                    )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(
                request,
                REQUESTED_ONE.format(
                    kind=credential.get_credential_type_display(),
                    name=enrolment.learner.full_name,
                ),
            )
            if request.POST.get("then") == "register":
                query = urlencode({"select": credential.pk})
                return redirect(f"{register_url()}?{query}")
            return redirect(reverse("training:enrolment_detail", args=[pk]) + "#credentials")
    return render(request, "credentials/request.html", {"form": form, "enrolment": enrolment})


@require_permission(PERM_REQUEST, "training.view_courseoffer", "training.view_courseenrolment")
def request_bulk(request, pk: int):
    """Request a credential for each selected enrolment of a course offer."""
    offer = get_object_or_404(CourseOffer.objects.select_related("course"), pk=pk)
    back = reverse("training:offer_detail", args=[offer.pk])
    data = request.POST if request.method == "POST" else request.GET
    raw = {value for value in data.getlist("enrolment") if value}
    enrolments = list(
        training_selectors.offer_enrolments_selected(offer=offer, ids=posted_ids(list(raw)))
    )
    if len(raw) > len(enrolments):
        messages.warning(request, ENROLMENTS_IGNORED.format(count=len(raw) - len(enrolments)))
    if not enrolments:
        messages.error(request, NO_ENROLMENTS)
        return redirect(back)
    form = CredentialRequestBulkForm(
        request.POST or None, course=offer.course, enrolments=enrolments
    )
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        go_to_credentials = values.pop("go_to_credentials")
        also = _record_of_results(values)
        outcome = credential_request_bulk(
            actor=request.user, course_enrolments=enrolments, generate=True, also=also, **values
        )
        summary(request, outcome)
        if go_to_credentials:
            query = [("tab", "credentials"), *(("select", c.pk) for c in outcome.done)]
            return redirect(f"{back}?{urlencode(query)}#credentials")
        return redirect(back)
    return render(
        request,
        "credentials/request_bulk.html",
        {"form": form, "offer": offer, "enrolments": enrolments},
    )
