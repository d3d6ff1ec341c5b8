"""What the training pages share: a form page and the save-or-show-errors step."""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from testamur.core.forms import form_add_service_errors


def form_page(
    request,
    form,
    *,
    title: str,
    crumbs,
    cancel_url: str,
    submit: str = "Save",
    intro: str = "",
    template: str = "training/form.html",
    extra=None,
):
    context = {
        "form": form,
        "title": title,
        "crumbs": crumbs,
        "cancel_url": cancel_url,
        "submit": submit,
        "intro": intro,
        **(extra or {}),
    }
    return render(request, template, context)


def save_form(request, form, save: Callable, *, success: str, redirect_to: Callable):
    """Run `save(cleaned_data)` if the form is valid; on a service error show it on the form.

    Returns a redirect on success, None when the form has to be shown again.
    """
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        saved = save(form.cleaned_data)
    except ValidationError as error:
        form_add_service_errors(form, error)
        return None
    messages.success(request, success.format(saved=saved))
    return redirect(redirect_to(saved))
