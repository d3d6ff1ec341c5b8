"""Helpers every app's forms and views share."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


def form_add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: by field where the form has that field."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else NON_FIELD_ERRORS, messages)


def posted_ids(values: list[str]) -> list[int]:
    """The whole-number ids in a list of posted values; anything else is dropped."""
    return sorted({int(value) for value in values if value.isdigit() and len(value) < 19})
