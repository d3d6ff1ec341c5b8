from django import forms

from testamur.api.models import ApiToken


class ApiTokenForm(forms.Form):
    # Not required here: the service words the message for a blank name.
    name = forms.CharField(
        label="Token name",
        required=False,
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text=ApiToken._meta.get_field("name").help_text,
    )
