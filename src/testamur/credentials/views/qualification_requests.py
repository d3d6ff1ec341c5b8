"""Request credentials from qualification enrolments: one Ready enrolment, or the ticked
enrolments of a qualification (the testamur and the record of results together)."""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse

from testamur.core.forms import form_add_service_errors, posted_ids
from testamur.core.permissions import require_permission
from testamur.credentials.forms import RequestDetailsForm
from testamur.credentials.models import CredentialTemplate, CredentialType
from testamur.credentials.qualification_requests import (
    NOT_READY,
    credential_request_for_qualification,
    credential_request_for_qualification_bulk,
)
from testamur.credentials.selectors import templates_available
from testamur.qualifications import selectors
from testamur.qualifications.models import QualificationStatus
from testamur.qualifications.views.enrolments import (
    enrolment_crumbs,
    enrolment_or_404,
    enrolment_url,
    form_page,
)
from testamur.qualifications.views.qualifications import REQUEST, VIEW, qualification_or_404

REQUESTED = "Requested the testamur and record of results for {name}; generating them now."
NOTHING_SELECTED = "Select at least one enrolment to request credentials for."
IGNORED = "{count} selected enrolment(s) are not in this qualification and were ignored."


class QualificationRequestForm(RequestDetailsForm):
    testamur_template = forms.ModelChoiceField(
        label="Testamur template", queryset=CredentialTemplate.objects.none()
    )
    record_template = forms.ModelChoiceField(
        label="Record of results template", queryset=CredentialTemplate.objects.none()
    )
    field_order = ["testamur_template", "record_template"]

    def __init__(self, *args, **kwargs):
        available = templates_available()
        testamurs = available.filter(credential_type=CredentialType.TESTAMUR)
        records = available.filter(credential_type=CredentialType.RECORD_OF_RESULTS)
        initial = kwargs.setdefault("initial", {})
        first_testamur, first_record = testamurs.first(), records.first()
        initial.setdefault("testamur_template", first_testamur.pk if first_testamur else None)
        initial.setdefault("record_template", first_record.pk if first_record else None)
        super().__init__(*args, **kwargs)
        self.fields["testamur_template"].queryset = testamurs
        self.fields["record_template"].queryset = records


@require_permission(REQUEST, VIEW)
def qualification_enrolment_request(request, pk: int):
    """Request the testamur and record of results for one Ready enrolment."""
    enrolment = enrolment_or_404(pk)
    # Started from the learner's Qualifications tab: go back there afterwards.
    from_learner = request.GET.get("next") == "learner"
    back = (
        reverse("qualifications:learner_qualifications", args=[enrolment.learner_id])
        if from_learner
        else enrolment_url(enrolment)
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
    return form_page(
        request,
        form,
        title=f"Request credentials: {enrolment.learner.full_name}",
        crumbs=enrolment_crumbs(enrolment),
        cancel_url=back,
        submit="Request credentials",
        intro=(
            f"The testamur and the record of results for {enrolment.qualification}, requested "
            f"together and generated in the background; an Admin then issues them."
        ),
    )


@require_permission(REQUEST, VIEW)
def qualification_request_bulk(request, pk: int):
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
        "credentials/request_qualification_bulk.html",
        {
            "form": form,
            "qualification": qualification,
            "enrolments": enrolments,
            "ready": ready,
        },
    )
