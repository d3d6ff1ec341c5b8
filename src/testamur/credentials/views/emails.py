"""Emailing issued credentials: send one, send again, the list of sends, the email template."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from testamur.core.permissions import require_permission
from testamur.credentials import emailing
from testamur.credentials.forms import EmailListFilterForm, EmailTemplateForm
from testamur.credentials.models import CredentialEmail, CredentialEmailTemplate
from testamur.credentials.views.common import VIEW, credential_or_404, next_url, summary
from testamur.organisation.models import Organisation
from testamur.training.selectors import paginate

VIEW_EMAILS = "credentials.view_credentialemail"
TEMPLATE_SAVED = "Email template saved."
NOTHING_TO_RESEND = "No failed email is waiting to be sent again."
SAMPLE = {
    "learner_given_name": "Mia",
    "learner_name": "Mia Nguyen",
    "credential_type": "Statement of Attainment",
    "credential_number": "TM-000123",
    "course": "BSB40120 Certificate IV in Business",
    "issued_date": "23/11/2026",
    "verification_url": "https://credentials.example.edu.au/v/Xq3…",
}


@require_permission(VIEW, emailing.PERM_EMAIL)
@require_POST
def send(request, pk: int):
    credential = credential_or_404(pk)
    summary(request, emailing.credential_email_queue(actor=request.user, credentials=[credential]))
    return redirect(next_url(request, reverse("credentials:detail", args=[credential.pk])))


@require_permission(VIEW, emailing.PERM_EMAIL)
@require_POST
def resend(request, pk: int):
    email = get_object_or_404(CredentialEmail, pk=pk)
    back = next_url(request, reverse("credentials:detail", args=[email.credential_id]))
    try:
        outcome = emailing.credential_email_resend(actor=request.user, email=email)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        summary(request, outcome)
    return redirect(back)


@require_permission(VIEW, VIEW_EMAILS)
def email_list(request):
    form = EmailListFilterForm(request.GET or None)
    status = form.status_value()
    emails = CredentialEmail.objects.select_related("credential__learner", "requested_by").order_by(
        "-requested_at", "-id"
    )
    if status == "unresolved":
        emails = emails.filter(pk__in=emailing.emails_unresolved().values("pk"))
    elif status:
        emails = emails.filter(status=status)
    return render(
        request,
        "credentials/email_list.html",
        {
            "form": form,
            "page_obj": paginate(emails, request.GET.get("page")),
            "unresolved": emailing.emails_unresolved().count(),
            "next_url": request.get_full_path(),
        },
    )


@require_permission(VIEW, emailing.PERM_EMAIL)
@require_POST
def resend_failed(request):
    outcome = emailing.credential_email_resend_failed(actor=request.user)
    if not outcome.done and not outcome.skipped:
        messages.info(request, NOTHING_TO_RESEND)
    else:
        summary(request, outcome)
    return redirect("credentials:email_list")


@require_permission(emailing.PERM_EMAIL_TEMPLATE)
def email_template(request):
    template = CredentialEmailTemplate.load()
    form = EmailTemplateForm(request.POST or None, instance=template)
    if request.method == "POST" and form.is_valid():
        try:
            emailing.credential_email_template_update(
                actor=request.user,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field, errors)
        else:
            messages.success(request, TEMPLATE_SAVED)
            return redirect("credentials:email_template")
    organisation = Organisation.load()
    values = {
        **SAMPLE,
        "rto_name": organisation.display_name,
        "rto_code": organisation.rto_code,
        "rto_email": organisation.email,
        "rto_phone": organisation.phone,
    }
    saved = CredentialEmailTemplate.load()
    return render(
        request,
        "credentials/email_template.html",
        {
            "form": form,
            "placeholders": emailing.PLACEHOLDERS.items(),
            "sample_subject": emailing.email_text_render(saved.subject, values),
            "sample_body": emailing.email_text_render(saved.body, values),
            "sender": emailing.from_address(organisation),
            "uses_default_sender": not organisation.email,
        },
    )
