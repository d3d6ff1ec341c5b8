"""Credential templates: the list, one template and its versions, the editor with its live
preview, activation and the files a version may use."""

import base64

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from testamur.core.downloads import private
from testamur.core.permissions import require_permission
from testamur.credentials import credential_template_assets as assets_service
from testamur.credentials import credential_templates as service
from testamur.credentials import selectors
from testamur.credentials.forms import (
    TemplateAssetForm,
    TemplateCopyForm,
    TemplateCreateForm,
    TemplateSettingsForm,
    TemplateSourceForm,
)
from testamur.credentials.models import (
    CredentialTemplate,
    CredentialTemplateVersion,
    TemplateAsset,
    TemplateVersionState,
)
from testamur.credentials.rendering.bounded import get_renderer
from testamur.credentials.rendering.context import context_keys_doc, sample_context
from testamur.credentials.rendering.engine import TemplateError
from testamur.training.forms import form_add_service_errors

VIEW_TEMPLATES = "credentials.view_credentialtemplate"

TEMPLATE_CREATED = (
    "Created {name} with the built-in {type} as draft version 1. Edit it, then activate it."
)
TEMPLATE_COPIED = "Copied to {name} as draft version 1. Edit the copy, then activate it."
TEMPLATE_SAVED = "Template settings saved."
VERSION_SAVED = "Saved as draft version {number}."
VERSION_HAS_PROBLEMS = (
    "Saved as draft version {number}. It cannot be activated yet: see what is missing below."
)
VERSION_ACTIVATED = "Version {number} is now active; new documents use it."
VERSION_RETIRED_NOTE = " Version {previous} was retired (credentials made with it keep it)."
ASSET_UPLOADED = "{name} added to version {number}."
ASSET_REMOVED = "{name} removed from version {number}."
PREVIEW_PAGES_SHOWN = 4
PREVIEW_PPI = 90

# Uploaded artwork is served to staff only, and never allowed to run anything.
ASSET_TYPES = {".png": "image/png", ".svg": "image/svg+xml"}


def _template_or_404(pk: int) -> CredentialTemplate:
    return get_object_or_404(CredentialTemplate, pk=pk)


def _version_or_404(pk: int) -> CredentialTemplateVersion:
    return get_object_or_404(
        CredentialTemplateVersion.objects.select_related("template", "created_by"), pk=pk
    )


def _refusal(request, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


@require_permission(VIEW_TEMPLATES)
def template_list(request):
    return render(
        request, "credentials/template_list.html", {"templates": selectors.template_list()}
    )


@require_permission(VIEW_TEMPLATES, service.PERM_ADD)
def template_create(request):
    form = TemplateCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            template = service.template_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(
                request,
                TEMPLATE_CREATED.format(
                    name=template.name, type=template.get_credential_type_display()
                ),
            )
            return redirect("credentials:template_detail", pk=template.pk)
    return render(request, "credentials/template_create.html", {"form": form})


def _detail(request, template: CredentialTemplate, settings_form=None, status=200):
    context = {
        "template": template,
        "versions": selectors.template_versions(template),
        "active": template.active_version,
        "settings_form": settings_form or TemplateSettingsForm(template=template),
        "can_change": request.user.has_perm(service.PERM_CHANGE),
        "can_add": request.user.has_perm(service.PERM_ADD),
    }
    return render(request, "credentials/template_detail.html", context, status=status)


@require_permission(VIEW_TEMPLATES)
def template_detail(request, pk: int):
    return _detail(request, _template_or_404(pk))


@require_permission(VIEW_TEMPLATES, service.PERM_CHANGE)
@require_POST
def template_settings(request, pk: int):
    template = _template_or_404(pk)
    form = TemplateSettingsForm(request.POST, template=template)
    if form.is_valid():
        try:
            service.template_update(actor=request.user, template=template, **form.cleaned_data)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, TEMPLATE_SAVED)
            return redirect("credentials:template_detail", pk=template.pk)
    return _detail(request, _template_or_404(pk), settings_form=form, status=400)


@require_permission(VIEW_TEMPLATES, service.PERM_ADD)
def template_copy(request, pk: int):
    template = _template_or_404(pk)
    initial = {"name": f"{template.name.removesuffix(' (built-in)')} (copy)"[:100]}
    form = TemplateCopyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            copy = service.template_copy(actor=request.user, template=template, **form.cleaned_data)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, TEMPLATE_COPIED.format(name=copy.name))
            return redirect("credentials:template_detail", pk=copy.pk)
    return render(request, "credentials/template_copy.html", {"form": form, "template": template})


def _based_on(template: CredentialTemplate, number) -> CredentialTemplateVersion | None:
    versions = template.versions.order_by("-number")
    if number:
        found = versions.filter(number=number).first()
        if found:
            return found
    return versions.first()


@require_permission(VIEW_TEMPLATES, service.PERM_CHANGE)
def template_edit(request, pk: int):
    """The editor: saving makes a new draft version ("Save and activate" also activates it)."""
    template = _template_or_404(pk)
    if template.is_builtin:
        messages.error(request, service.BUILTIN_NOT_EDITABLE.format(name=template.name))
        return redirect("credentials:template_detail", pk=template.pk)
    wanted = request.GET.get("from", "")
    based_on = _based_on(template, int(wanted) if wanted.isdigit() and len(wanted) < 9 else None)
    form = TemplateSourceForm(
        request.POST or None,
        initial={
            "source": based_on.source if based_on else "",
            "based_on": based_on.number if based_on else None,
        },
    )
    if request.method == "POST" and form.is_valid():
        based_on = _based_on(template, form.cleaned_data["based_on"])
        try:
            version = service.template_version_save(
                actor=request.user,
                template=template,
                source=form.cleaned_data["source"],
                based_on=based_on,
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            if request.POST.get("action") == "activate":
                return _activate(request, version)
            message = VERSION_HAS_PROBLEMS if version.problems else VERSION_SAVED
            level = messages.warning if version.problems else messages.success
            level(request, message.format(number=version.number))
            return redirect("credentials:template_version", pk=version.pk)
    context = {
        "template": template,
        "based_on": based_on,
        "form": form,
        "keys": context_keys_doc(),
        "assets": based_on.assets.order_by("name") if based_on else [],
    }
    return render(request, "credentials/template_edit.html", context)


def _pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename)
    response["Cache-Control"] = "no-store"
    return response


@require_permission(VIEW_TEMPLATES, service.PERM_CHANGE)
@require_POST
def template_preview(request, pk: int):
    """The posted source rendered on sample data: page images for the editor (htmx), or the
    PDF itself (format=pdf). Nothing is stored."""
    template = _template_or_404(pk)
    form = TemplateSourceForm(request.POST)
    source = request.POST.get("source", "")
    based_on = None
    if form.is_valid():
        based_on = _based_on(template, form.cleaned_data["based_on"])
    assets = service.version_assets(based_on) if based_on else {}
    data = sample_context(template.credential_type, preview=True)
    renderer = get_renderer()
    context = {"template": template, "pages": [], "error": None, "form": form}
    try:
        if not form.is_valid():
            context["invalid"] = form.errors.get("source")
        elif request.POST.get("format") == "pdf":
            pdf = renderer.render(source=source, data=data, assets=assets)
            return _pdf_response(pdf, f"template-{template.pk}-preview.pdf")
        else:
            pages = renderer.render_pages(source=source, data=data, assets=assets, ppi=PREVIEW_PPI)
            context["pages"] = [
                base64.b64encode(png).decode("ascii") for png in pages[:PREVIEW_PAGES_SHOWN]
            ]
            context["page_count"] = len(pages)
            context["warnings"] = renderer.last_warnings
    except TemplateError as error:
        lines = source.replace("\r\n", "\n").split("\n")
        context["error"] = error
        if error.line and error.line <= len(lines):
            context["error_source"] = lines[error.line - 1]
    if request.POST.get("format") == "pdf":
        return render(request, "credentials/template_preview_error.html", context, status=422)
    return render(request, "credentials/_template_preview.html", context)


@require_permission(VIEW_TEMPLATES)
def template_version(request, pk: int):
    return _version_page(request, _version_or_404(pk))


def _version_page(request, version: CredentialTemplateVersion, asset_form=None, status=200):
    template = version.template
    context = {
        "template": template,
        "version": version,
        "lines": version.source.split("\n"),
        "problems": [p for p in version.problems.split("\n") if p],
        "assets": version.assets.order_by("name"),
        "is_draft": version.state == TemplateVersionState.DRAFT,
        "can_change": request.user.has_perm(service.PERM_CHANGE) and not template.is_builtin,
        "asset_form": asset_form or TemplateAssetForm(),
        "limits": assets_service.upload_limits(),
        "credential_count": version.credentials.count(),
    }
    return render(request, "credentials/template_version.html", context, status=status)


def _activate(request, version: CredentialTemplateVersion):
    previous = version.template.active_version
    try:
        version = service.template_version_activate(actor=request.user, version=version)
    except ValidationError as error:
        _refusal(request, error)
        return redirect("credentials:template_version", pk=version.pk)
    if version.state == TemplateVersionState.ACTIVE:
        text = VERSION_ACTIVATED.format(number=version.number)
        if previous:
            text += VERSION_RETIRED_NOTE.format(previous=previous.number)
        messages.success(request, text)
    else:
        problems = [p for p in version.problems.split("\n") if p]
        messages.error(
            request, service.NOT_ACTIVATED.format(number=version.number, count=len(problems))
        )
    return redirect("credentials:template_version", pk=version.pk)


@require_permission(VIEW_TEMPLATES, service.PERM_CHANGE)
@require_POST
def template_version_activate(request, pk: int):
    return _activate(request, _version_or_404(pk))


@require_permission(VIEW_TEMPLATES, service.PERM_CHANGE)
@require_POST
def template_asset_upload(request, pk: int):
    version = _version_or_404(pk)
    form = TemplateAssetForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            asset = assets_service.template_asset_upload(
                actor=request.user,
                version=version,
                upload=form.cleaned_data["file"],
                name=form.cleaned_data["name"],
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, ASSET_UPLOADED.format(name=asset.name, number=version.number))
            return redirect("credentials:template_version", pk=version.pk)
    return _version_page(request, _version_or_404(pk), asset_form=form, status=400)


@require_permission(VIEW_TEMPLATES, service.PERM_CHANGE)
@require_POST
def template_asset_delete(request, pk: int):
    asset = get_object_or_404(TemplateAsset.objects.select_related("version__template"), pk=pk)
    try:
        version = assets_service.template_asset_delete(actor=request.user, asset=asset)
    except ValidationError as error:
        _refusal(request, error)
    else:
        messages.success(request, ASSET_REMOVED.format(name=asset.name, number=version.number))
    return redirect("credentials:template_version", pk=asset.version_id)


@require_permission(VIEW_TEMPLATES)
def template_asset(request, pk: int):
    """A version's file: images shown inline (never able to run script), fonts downloaded."""
    asset = get_object_or_404(TemplateAsset, pk=pk)
    try:
        with asset.file.open("rb") as handle:
            data = handle.read()
    except OSError as error:
        raise Http404 from error
    suffix = "." + asset.name.rsplit(".", 1)[-1].lower()
    content_type = ASSET_TYPES.get(suffix, "application/octet-stream")
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        suffix not in ASSET_TYPES, asset.name
    )
    return private(response)
