from django import forms
from django.conf import settings

from testamur.accounts.selectors import user_list_issuing_officers
from testamur.organisation.hooks import training_facts
from testamur.organisation.models import Organisation, Signatory
from testamur.organisation.services import ORGANISATION_FIELDS, abn_normalise

IMAGE_ACCEPT = "image/png,image/svg+xml"
IMAGE_HELP = "PNG or SVG, up to {limit} KB."


def _image_field(label: str, help_text: str) -> forms.FileField:
    limit = settings.MAX_IMAGE_UPLOAD_BYTES // 1024
    return forms.FileField(
        label=label,
        required=False,
        widget=forms.FileInput(attrs={"accept": IMAGE_ACCEPT}),
        help_text=f"{IMAGE_HELP.format(limit=limit)} {help_text}".strip(),
    )


def _achieved_codes_help() -> str:
    """Which outcome codes count as achieved, read from the data rather than written here."""
    codes = training_facts().achieved_codes()
    parts = [
        f"{label}: {', '.join(sorted(codes[value]))}"
        for value, label in Organisation._meta.get_field("jurisdiction").choices
        if value in codes
    ]
    text = "Selects the outcome code set, and so which outcomes count as achieved"
    return f"{text} ({'; '.join(parts)})." if parts else f"{text}."


def _finished_statuses() -> list[tuple[str, str]]:
    return training_facts().finished_statuses()


class OrganisationForm(forms.ModelForm):
    learner_inactive_statuses = forms.MultipleChoiceField(
        label="Set a learner inactive when all their enrolments are",
        required=False,
        choices=_finished_statuses,
        widget=forms.CheckboxSelectMultiple,
        help_text="Checked whenever an enrolment's status changes. Choose none to turn this off; "
        "learners can always be marked active or inactive by hand.",
    )
    abn = forms.CharField(
        label="ABN", required=False, max_length=20, help_text="11 digits; spaces are fine."
    )
    website = forms.URLField(required=False, assume_scheme="https", max_length=200)
    logo = _image_field("Logo", "Printed on every credential. Uploading replaces the current logo.")
    nrt_logo = _image_field(
        "Official NRT logo",
        "The Nationally Recognised Training logo, printed on testamurs and Statements of "
        "Attainment. Until it is uploaded they carry a placeholder and cannot be issued.",
    )
    aqf_logo = _image_field(
        "Official AQF logo",
        "The Australian Qualifications Framework logo, printed on testamurs. Until it is "
        "uploaded they carry a placeholder and cannot be issued.",
    )

    class Meta:
        model = Organisation
        fields = ORGANISATION_FIELDS
        labels = {
            "credential_number_prefix": "Credential number prefix",
            "credential_number_digits": "Digits in the number",
            "usi_gate": "Learners without a verified USI",
        }
        help_texts = {
            "legal_name": "As registered on training.gov.au.",
            "trading_name": "Shown instead of the legal name where set.",
            "rto_code": "4 or 5 digits.",
            "time_zone": "Dates and times are shown and stamped in this time zone.",
            "credential_number_prefix": "Capital letters, digits or dashes, e.g. TM-.",
            "credential_number_digits": "Between 4 and 12; numbers are padded with zeros.",
            "usi_gate": "What happens when an Admin issues to a learner without a verified USI "
            "or a recorded exemption.",
            "default_issuing_officer": "Pre-selected when credentials are issued. "
            "Active Admins and Owners only.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].help_text = _achieved_codes_help()
        self.fields["credential_number_digits"].widget.attrs.update(min=4, max=12)
        officer = self.fields["default_issuing_officer"]
        officer.queryset = user_list_issuing_officers()
        officer.empty_label = "No default"
        officer.label_from_instance = lambda user: f"{user.display_name} ({user.username})"

    def clean_abn(self) -> str:
        return abn_normalise(self.cleaned_data["abn"])

    def clean_credential_number_prefix(self) -> str:
        return self.cleaned_data["credential_number_prefix"].strip().upper()

    def number_example(self) -> str:
        """The first credential number under the settings as typed (or as saved)."""
        if self.is_bound:
            form = CredentialNumberExampleForm(self.data)
            return form.example() if form.is_valid() else ""
        return self.instance.credential_number()


class CredentialNumberExampleForm(forms.ModelForm):
    """Parses the two numbering fields alone, for the example shown beside them."""

    class Meta:
        model = Organisation
        fields = ["credential_number_prefix", "credential_number_digits"]

    def clean_credential_number_prefix(self) -> str:
        return self.cleaned_data["credential_number_prefix"].strip().upper()

    def example(self) -> str:
        return self.instance.credential_number()


class SignatoryForm(forms.ModelForm):
    signature = _image_field("Signature image", "A transparent background prints best.")

    class Meta:
        model = Signatory
        fields = ["name", "title", "is_active"]
        help_texts = {
            "is_active": "Only active signatories can sign new credentials. "
            "Signatories are never deleted, so past credentials keep theirs.",
        }


class SigningKeyForm(forms.Form):
    pkcs12_file = forms.FileField(
        label="PKCS#12 file (.p12 or .pfx)",
        widget=forms.FileInput(attrs={"accept": ".p12,.pfx,application/x-pkcs12"}),
        help_text="The certificate together with its private key, as your certificate "
        "authority or IT team exported it.",
    )
    passphrase = forms.CharField(
        label="Passphrase",
        required=False,
        strip=False,
        max_length=1000,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="The passphrase the file was exported with. It is stored encrypted and never "
        "shown again.",
    )
