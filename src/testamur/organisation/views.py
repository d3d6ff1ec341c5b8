from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters

from testamur.core.downloads import private
from testamur.core.permissions import require_permission
from testamur.organisation import services, signing_keys
from testamur.organisation.forms import (
    CredentialNumberExampleForm,
    OrganisationForm,
    SignatoryForm,
    SigningKeyForm,
)
from testamur.organisation.models import Organisation, Signatory, SigningKey
from testamur.organisation.selectors import (
    organisation_get,
    organisation_missing_for_issue,
    organisation_placeholder_logos,
)

SETTINGS_SAVED = "Organisation settings saved."
SIGNATORY_ADDED = "Signatory {name} added."
SIGNATORY_SAVED = "Signatory {name} saved."
SIGNING_KEY_INSTALLED = (
    "The signing key for {subject} is installed. Credentials issued from now on are signed "
    "with it; documents already issued keep their signature."
)
# Days before expiry from which the Signing key tab warns.
EXPIRY_WARNING_DAYS = 60

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _submitted(request) -> tuple:
    """(data, files) for a POST, even an empty one; (None, None) so a GET shows no errors."""
    if request.method == "POST":
        return request.POST, request.FILES
    return None, None


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@require_permission("organisation.change_organisation")
def settings_edit(request):
    organisation = organisation_get()
    form = OrganisationForm(*_submitted(request), instance=organisation)
    if request.method == "POST" and form.is_valid():
        images = {name: form.cleaned_data[name] for name in ("logo", "nrt_logo", "aqf_logo")}
        data = {k: v for k, v in form.cleaned_data.items() if k not in images}
        try:
            services.organisation_update(actor=request.user, **images, **data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, SETTINGS_SAVED)
            return redirect("organisation:settings")
    # Read again: a bound form has already written the unsaved input onto its instance.
    organisation = Organisation.load()
    return render(
        request,
        "organisation/settings.html",
        {
            "form": form,
            "organisation": organisation,
            "missing": organisation_missing_for_issue(organisation),
            "placeholder_logos": organisation_placeholder_logos(organisation),
            "number_example": form.number_example(),
        },
    )


@require_permission("organisation.change_organisation")
def credential_number_example(request):
    form = CredentialNumberExampleForm(request.GET)
    example = form.example() if form.is_valid() else ""
    return render(request, "organisation/_number_example.html", {"number_example": example})


def _image_response(field) -> HttpResponse:
    if not field:
        raise Http404("No image uploaded")
    try:
        with field.open("rb") as handle:
            data = handle.read()
    except FileNotFoundError as exc:
        raise Http404("Image file missing") from exc
    content_type = "image/png" if data.startswith(_PNG_MAGIC) else "image/svg+xml"
    return private(HttpResponse(data, content_type=content_type))


@require_permission("organisation.view_organisation")
def logo(request):
    return _image_response(organisation_get().logo)


@require_permission("organisation.view_organisation")
def official_logo(request, which: str):
    """The uploaded NRT or AQF artwork (`which` comes from the URL pattern, never the user)."""
    return _image_response(getattr(organisation_get(), f"{which}_logo"))


@require_permission("organisation.view_signatory")
def signature_image(request, pk: int):
    return _image_response(get_object_or_404(Signatory, pk=pk).signature)


@require_permission("organisation.view_signatory")
def signatory_list(request):
    return render(
        request,
        "organisation/signatory_list.html",
        {"signatories": Signatory.objects.order_by("-is_active", "name")},
    )


@require_permission("organisation.add_signatory")
def signatory_create(request):
    form = SignatoryForm(*_submitted(request))
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "signature"}
        try:
            signatory = services.signatory_create(
                actor=request.user, signature=form.cleaned_data["signature"], **data
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, SIGNATORY_ADDED.format(name=signatory.name))
            return redirect("organisation:signatory_list")
    return render(request, "organisation/signatory_form.html", {"form": form, "signatory": None})


@require_permission("organisation.change_signatory")
def signatory_edit(request, pk: int):
    signatory = get_object_or_404(Signatory, pk=pk)
    form = SignatoryForm(*_submitted(request), instance=signatory)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "signature"}
        try:
            signatory = services.signatory_update(
                actor=request.user,
                signatory=signatory,
                signature=form.cleaned_data["signature"],
                **data,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, SIGNATORY_SAVED.format(name=signatory.name))
            return redirect("organisation:signatory_list")
    signatory = Signatory.objects.get(pk=pk)
    return render(
        request, "organisation/signatory_form.html", {"form": form, "signatory": signatory}
    )


@require_permission("organisation.view_signingkey", "organisation.add_signingkey")
@sensitive_post_parameters("passphrase")
def signing_key(request):
    """The active signing key's certificate, and the upload of a new PKCS#12 (Owner only)."""
    form = SigningKeyForm(*_submitted(request))
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["pkcs12_file"]
        try:
            if upload.size > signing_keys.MAX_PKCS12_BYTES:
                raise ValidationError(
                    signing_keys.PKCS12_TOO_LARGE.format(
                        limit=signing_keys.MAX_PKCS12_BYTES // 1024
                    )
                )
            key = signing_keys.signing_key_install(
                actor=request.user,
                pkcs12_data=upload.read(),
                passphrase=form.cleaned_data["passphrase"].encode("utf-8"),
            )
        except ValidationError as exc:
            form.add_error("pkcs12_file", exc)
        else:
            messages.success(request, SIGNING_KEY_INSTALLED.format(subject=key.subject))
            return redirect("organisation:signing_key")
    keys = list(SigningKey.objects.select_related("created_by").order_by("-created_at")[:20])
    active = next((key for key in keys if key.is_active), None)
    expires_soon = bool(
        active and active.not_after - timezone.now() < timedelta(days=EXPIRY_WARNING_DAYS)
    )
    return render(
        request,
        "organisation/signing_key.html",
        {
            "form": form,
            "active": active,
            "earlier": [key for key in keys if not key.is_active],
            "expires_soon": expires_soon,
        },
    )
