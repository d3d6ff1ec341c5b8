"""Forms for the learner pages. They parse input; the services check the rules and save."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

# Kept importable from here for code written before core/forms.py had it.
from testamur.core.forms import form_add_service_errors as form_add_service_errors
from testamur.learners.models import (
    DisabilityType,
    EmailConsentSource,
    Learner,
    PriorEducationType,
    Recognition,
    UsiStatus,
)
from testamur.learners.selectors import UNVERIFIED
from testamur.learners.services import CLIENT_DETAIL_FIELDS, LEARNER_FIELDS

CLIENT_ID_HELP = "Leave blank to give the next free learner ID ({next_id})."
USI_HELP = (
    "10 characters, capital letters and digits, e.g. BNGH7C75FN. Record an exemption with the "
    "USI status instead."
)
EMAIL_CONSENT = "digital_credential_email_consent"
EMAIL_CONSENT_HELP = (
    "Whether the learner agreed that their email address identifies them on digital "
    "credentials (as a salted hash, never in clear), so a wallet or another organisation can "
    "match the credential to them. Credentials issued from now on follow this answer; those "
    "already issued keep what they were issued with. Choose 'Not given' when the learner "
    "withdraws."
)
EMAIL_CONSENT_NOT_GIVEN = "Not given"

# The form's sections, in the order a person fills them in.
SECTIONS = [
    (
        "Learner",
        [
            "client_id",
            "title",
            "given_name",
            "middle_names",
            "family_name",
            "preferred_name",
            "date_of_birth",
            "gender",
        ],
    ),
    (
        "Contact",
        [
            "email",
            EMAIL_CONSENT,
            "phone",
            "address_building",
            "address_unit",
            "address_street_number",
            "address_street_name",
            "postal_delivery_box",
            "suburb",
            "state",
            "postcode",
        ],
    ),
    ("Unique Student Identifier", ["usi", "usi_status", "usi_verified_on", "usi_evidence"]),
    ("Status and needs", ["is_active", "privacy_flag", "special_requirements"]),
    (
        "AVETMISS details (optional: a blank answer is reported as not stated)",
        [
            "school_level",
            "school_level_year",
            "at_school",
            "indigenous_status",
            "language",
            "english_proficiency",
            "country_of_birth",
            "labour_force_status",
            "survey_contact_status",
        ],
    ),
    ("Disability, impairment or long-term condition", ["disability", "disability_types"]),
]
NOT_STATED = "Not stated"
HELD = "held"
PRIOR_EDUCATION_CHOICES = [
    ("", "Not held"),
    (HELD, "Held (where not stated)"),
    *Recognition.choices,
]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _formfield(field: models.Field, **kwargs):
    if isinstance(field, models.DateField):
        kwargs["widget"] = DateInput
    return field.formfield(**kwargs)


class PlainLabelsForm(forms.Form):
    """Labels without Django's trailing colon, so a label reads exactly as the field's name."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class LearnerForm(PlainLabelsForm):
    """Every learner field a person edits. Unlike a ModelForm it never validates an instance:
    the service does, so each rule and its message live in one place."""

    # Typed as entered and checked by the service, so a wrong length gets the USI's own message.
    usi = forms.CharField(
        label="USI",
        required=False,
        help_text=USI_HELP,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, instance: Learner | None = None, next_client_id: str = "", **kwargs):
        if instance is not None:
            kwargs["initial"] = {
                **forms.model_to_dict(instance, fields=LEARNER_FIELDS),
                **kwargs.get("initial", {}),
            }
        super().__init__(*args, **kwargs)
        self.instance = instance
        model_fields = forms.fields_for_model(
            Learner,
            fields=[f for f in LEARNER_FIELDS if f != "usi"],
            formfield_callback=_formfield,
        )
        self.fields = {name: model_fields.get(name) or self.fields[name] for name in LEARNER_FIELDS}
        self._email_consent_field(instance)
        if instance is None:
            client_id = self.fields["client_id"]
            client_id.required = False
            client_id.help_text = CLIENT_ID_HELP.format(next_id=next_client_id or "L000001")
            if next_client_id:
                client_id.widget.attrs["placeholder"] = next_client_id
        self.fields["date_of_birth"].widget.attrs["max"] = timezone.localdate().isoformat()
        self._client_detail_fields(instance)

    def _email_consent_field(self, instance: Learner | None) -> None:
        """Staff record consent given on the enrolment form or to them; one given in the
        learner portal is shown (and kept) as such."""
        held = instance.digital_credential_email_consent_source if instance else ""
        sources = [EmailConsentSource.ENROLMENT_FORM, EmailConsentSource.STAFF_RECORDED]
        if held and held not in sources:
            sources.insert(0, EmailConsentSource(held))
        self.fields[EMAIL_CONSENT] = forms.ChoiceField(
            label="Email as identifier on digital credentials",
            choices=[("", EMAIL_CONSENT_NOT_GIVEN), *((s.value, s.label) for s in sources)],
            required=False,
            initial=held,
            help_text=EMAIL_CONSENT_HELP,
        )

    def _client_detail_fields(self, instance: Learner | None) -> None:
        """Code lists offer their current codes (and the one held); blank reads "Not stated"."""
        for name in CLIENT_DETAIL_FIELDS:
            field = self.fields[name]
            if isinstance(field, forms.ModelChoiceField):
                held = getattr(instance, f"{name}_id", None) if instance else None
                field.queryset = field.queryset.filter(
                    models.Q(is_current=True) | models.Q(pk=held)
                )
                field.empty_label = NOT_STATED
            elif isinstance(field, forms.TypedChoiceField):
                field.choices = [("", NOT_STATED), *field.choices[1:]]
        self.fields["disability_types"] = forms.ModelMultipleChoiceField(
            label="Disability types",
            queryset=DisabilityType.objects.filter(is_current=True),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text="Choosing a type answers Yes.",
            initial=list(instance.disability_types.all()) if instance else [],
        )
        held = {}
        if instance is not None:
            held = {
                p.achievement_id: p.recognition or HELD for p in instance.prior_educations.all()
            }
        self.prior_fields = []
        for achievement in PriorEducationType.objects.filter(is_current=True):
            name = f"prior_{achievement.code}"
            self.fields[name] = forms.ChoiceField(
                label=achievement.label,
                choices=PRIOR_EDUCATION_CHOICES,
                required=False,
                initial=held.get(achievement.code, ""),
            )
            self.prior_fields.append((name, achievement))

    def clean(self):
        cleaned = super().clean()
        achievements = []
        for name, achievement in self.prior_fields:
            answer = cleaned.pop(name, "")
            if answer:
                achievements.append((achievement, "" if answer == HELD else answer))
        cleaned["prior_educations"] = achievements
        return cleaned

    def sections(self):
        found = [(title, [self[name] for name in names]) for title, names in SECTIONS]
        prior = [self["prior_education"], *(self[name] for name, _ in self.prior_fields)]
        return [*found, ("Prior educational achievement", prior)]


class UsiVerifyForm(PlainLabelsForm):
    # Both are required by the service, which words the messages.
    verified_on = forms.DateField(label="Verified on", required=False, widget=DateInput)
    evidence = forms.CharField(
        label="Evidence",
        required=False,
        max_length=200,
        help_text="How it was verified, e.g. 'USI Registry System check, reference 12345'.",
    )

    # The service names these after the model's fields.
    service_field_names = {"usi_verified_on": "verified_on", "usi_evidence": "evidence"}

    def add_service_errors(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            renamed = {
                self.service_field_names.get(field, field): messages
                for field, messages in error.message_dict.items()
            }
            error = ValidationError(renamed)
        form_add_service_errors(self, error)


class ActiveForm(PlainLabelsForm):
    active = forms.TypedChoiceField(
        choices=[("yes", "Active"), ("no", "Inactive")], coerce=lambda value: value == "yes"
    )
    reason = forms.CharField(label="Reason", required=False, max_length=200)


YES_NO_ALL = [("", "All"), ("yes", "Yes"), ("no", "No")]
USI_STATUS_FILTER = [
    ("", "Any"),
    (UNVERIFIED, "Without a verified USI"),
    *UsiStatus.choices,
]


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class LearnerFilterForm(PlainLabelsForm):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        help_text="Name, learner ID, email or USI",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    active = forms.ChoiceField(label="Active", required=False, choices=YES_NO_ALL)
    usi_status = forms.ChoiceField(label="USI status", required=False, choices=USI_STATUS_FILTER)
    privacy = forms.ChoiceField(label="Privacy flag", required=False, choices=YES_NO_ALL)

    def filters(self) -> dict:
        """The selector's arguments; a value that does not parse is ignored, not an error page."""
        self.is_valid()
        data = self.cleaned_data
        return {
            "q": data.get("q") or "",
            "active": _yes_no(data.get("active") or ""),
            "usi_status": data.get("usi_status") or "",
            "privacy": _yes_no(data.get("privacy") or ""),
        }
