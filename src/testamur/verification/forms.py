from django import forms


class VerifyByNumberForm(forms.Form):
    number = forms.CharField(
        label="Credential number",
        max_length=30,
        help_text="As printed on the document, e.g. TM-000123.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    family_name = forms.CharField(
        label="Learner's family name",
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class PortalEmailForm(forms.Form):
    email = forms.EmailField(
        label="Your email address",
        max_length=254,
        help_text="The address your RTO has on file for you.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
