"""Forms for the credential pages. They parse input; the services decide and explain."""

from django import forms
from django.utils import timezone

from testamur.accounts.models import User
from testamur.core.widgets import FastSelect
from testamur.credentials import selectors
from testamur.credentials.credential_templates import MAX_SOURCE_CHARS
from testamur.credentials.issue_options import BACKDATE_DAYS, BACKDATE_WORD, IssueOptions
from testamur.credentials.models import (
    CredentialEmailTemplate,
    CredentialStatus,
    CredentialTemplate,
    CredentialType,
    EmailStatus,
)
from testamur.training.forms import DateInput, OfferField
from testamur.training.models import Course

DATES_REVERSED = "The 'from' date is after the 'to' date: swap them to see this range."
FINAL_QUALIFICATION_MISSING = "Choose whether this is the final qualification."


class RegisterFilterForm(forms.Form):
    """The register filter as a form: the register page uses it as is, the register report
    (reports/forms.py) as a subclass with its grouping and date choice."""

    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "All"), *CredentialStatus.choices],
        widget=forms.RadioSelect,
    )
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Learner name, learner ID or number"}
        ),
    )
    course = forms.ModelChoiceField(
        label="Course",
        required=False,
        queryset=Course.objects.none(),
        empty_label="All courses",
        widget=FastSelect,
    )
    offer = OfferField(label="Course offer", required=False)
    template = forms.ModelChoiceField(
        label="Template",
        required=False,
        queryset=CredentialTemplate.objects.none(),
        empty_label="All templates",
        widget=FastSelect,
    )
    type = forms.ChoiceField(
        label="Type",
        required=False,
        choices=[("", "All types"), *CredentialType.choices],
        widget=FastSelect,
    )
    date_from = forms.DateField(label="Credential date from", required=False, widget=DateInput)
    date_to = forms.DateField(label="Credential date to", required=False, widget=DateInput)
    officer = forms.ModelChoiceField(
        label="Issuing officer",
        required=False,
        queryset=User.objects.none(),
        empty_label="Anyone",
        widget=FastSelect,
    )

    # The message when the dates are reversed (a subclass words it for its page).
    dates_reversed = DATES_REVERSED

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = Course.objects.order_by("code")
        if "template" in self.fields:
            self.fields["template"].queryset = CredentialTemplate.objects.order_by("name")
        self.fields["officer"].queryset = selectors.issuing_officers_in_use()
        self.fields["officer"].label_from_instance = lambda user: user.display_name

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", self.dates_reversed)
            cleaned.pop("date_from", None)
        return cleaned

    def register_filter(self, kind=selectors.RegisterFilter, **more) -> selectors.RegisterFilter:
        """The valid filters (a `kind` of RegisterFilter); a bad value is shown and left out."""
        if self.is_bound:
            self.is_valid()
        values = getattr(self, "cleaned_data", {})
        return kind(
            status=values.get("status", ""),
            search=values.get("q", ""),
            course=values.get("course"),
            offer=values.get("offer"),
            template=values.get("template"),
            credential_type=values.get("type", ""),
            date_field=values.get("date_field") or "credential_date",
            date_from=values.get("date_from"),
            date_to=values.get("date_to"),
            issuing_officer=values.get("officer"),
            **more,
        )


class RequestDetailsForm(forms.Form):
    """What every request asks besides its templates: date, issuing officer, status reason."""

    credential_date = forms.DateField(label="Credential date", widget=DateInput)
    issuing_officer = forms.ModelChoiceField(
        label="Issuing officer",
        required=False,
        queryset=User.objects.none(),
        empty_label="— whoever issues it —",
        help_text="Optional. Only Admins and Owners can issue.",
    )
    status_reason = forms.CharField(
        label="Credential status reason",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("credential_date", timezone.localdate())
        super().__init__(*args, **kwargs)
        officer = self.fields["issuing_officer"]
        officer.queryset = selectors.issuing_officers()
        officer.label_from_instance = lambda user: user.display_name


class CredentialRequestForm(RequestDetailsForm):
    template = forms.ModelChoiceField(
        label="Credential template", queryset=CredentialTemplate.objects.none()
    )
    field_order = ["template", "with_record_of_results"]

    with_record_of_results = forms.BooleanField(
        label="Also request a record of results",
        required=False,
        help_text="With a Testamur: the record of results lists the units achieved.",
    )

    def __init__(self, *args, course: Course | None = None, enrolments=None, **kwargs):
        kwargs.setdefault("initial", {})
        default = None
        if course is not None and enrolments is not None:
            default = selectors.template_for_earned(course, list(enrolments))
        elif course is not None:
            default = selectors.template_default(course)
        if default is not None:
            kwargs["initial"].setdefault("template", default.pk)
            # A completed qualification earns the testamur and the record of results.
            testamur = default.credential_type == CredentialType.TESTAMUR
            kwargs["initial"].setdefault("with_record_of_results", testamur)
        super().__init__(*args, **kwargs)
        if course is None or not course.is_qualification:
            del self.fields["with_record_of_results"]
        template = self.fields["template"]
        template.queryset = selectors.templates_available()
        template.label_from_instance = lambda t: f"{t.name} ({t.get_credential_type_display()})"
        template.help_text = "Templates available for requests, with an active version."


class CredentialRequestBulkForm(CredentialRequestForm):
    go_to_credentials = forms.BooleanField(
        label="Go to the offer's credentials when complete", required=False
    )


USI_WARNINGS_UNCONFIRMED = (
    "{count} of the credentials to issue are for learners whose USI is not verified: tick the "
    "box to issue them anyway, or verify the USIs first."
)


class IssueForm(forms.Form):
    """The issue wizard's options. "Final qualification" is asked only when every selected
    credential is a testamur of a qualification (otherwise the answer is No)."""

    final_qualification = forms.TypedChoiceField(
        label="Is this the final qualification?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": FINAL_QUALIFICATION_MISSING},
        help_text=(
            "Yes also updates each course enrolment: the qualification-issued flag is ticked, "
            "the parchment number is set to the credential number and the issued date is "
            "recorded. No only issues the credentials."
        ),
    )
    issued_date = forms.DateField(
        label="Issued date",
        widget=DateInput,
        help_text="The date printed on every document of this issue, and kept in the register.",
    )
    status_reason = forms.CharField(
        label="Credential status reason",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    mail_merge = forms.BooleanField(
        label="Produce a mail-merge spreadsheet (XLSX) for this batch", required=False
    )
    backdate_confirmation = forms.CharField(
        label=f"Type {BACKDATE_WORD} to confirm back-dating",
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=f"Only for an issued date more than {BACKDATE_DAYS} days ago: the documents "
        "will carry that date.",
    )
    backdate_reason = forms.CharField(
        label="Back-dating reason",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=f"Only for an issued date more than {BACKDATE_DAYS} days ago. Kept with the "
        "run and each credential's issue.",
    )

    usi_warnings_confirmed = forms.BooleanField(
        label="Issue to learners whose USI is not verified",
        required=False,
        help_text="Settings allow it with a warning; the USI is never printed.",
    )

    def __init__(
        self, *args, offer_final_qualification: bool = True, usi_warnings: int = 0, **kwargs
    ):
        kwargs.setdefault("initial", {"issued_date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.usi_warnings = usi_warnings
        if not offer_final_qualification:
            del self.fields["final_qualification"]
        if not usi_warnings:
            del self.fields["usi_warnings_confirmed"]

    def clean(self):
        values = super().clean()
        if self.usi_warnings and not values.get("usi_warnings_confirmed"):
            self.add_error(
                "usi_warnings_confirmed", USI_WARNINGS_UNCONFIRMED.format(count=self.usi_warnings)
            )
        return values

    def issue_options(self) -> IssueOptions:
        values = self.cleaned_data
        return IssueOptions(
            issued_on=values["issued_date"],
            final_qualification=values.get("final_qualification", False),
            status_reason=values["status_reason"],
            mail_merge=values["mail_merge"],
            backdate_reason=values["backdate_reason"],
            backdate_confirmation=values["backdate_confirmation"],
        )


class CancelForm(forms.Form):
    # Not `required`: the service's message (REASON_REQUIRED) explains why a reason is needed.
    reason = forms.CharField(
        label="Credential status reason",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why it is cancelled, e.g. 'maiden name should be married name'.",
    )


class ReissueForm(CancelForm):
    credential_date = forms.DateField(
        label="Credential date of the new credential", widget=DateInput
    )

    def __init__(self, *args, already_cancelled: bool = False, **kwargs):
        kwargs.setdefault("initial", {"credential_date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        if already_cancelled:  # its cancellation reason is on record already
            del self.fields["reason"]


class TemplateCreateForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100)
    credential_type = forms.ChoiceField(
        label="Type",
        choices=CredentialType.choices,
        help_text="The new template starts from the built-in template of this type.",
    )
    description = forms.CharField(label="Description", required=False, max_length=200)


class TemplateCopyForm(forms.Form):
    name = forms.CharField(label="Name of the copy", max_length=100)
    description = forms.CharField(label="Description", required=False, max_length=200)


class TemplateSettingsForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100)
    description = forms.CharField(label="Description", required=False, max_length=200)
    is_available = forms.BooleanField(
        label="Available for requests",
        required=False,
        help_text="Only available templates with an active version can be chosen for requests.",
    )

    def __init__(self, *args, template: CredentialTemplate, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "name": template.name,
                "description": template.description,
                "is_available": template.is_available,
            },
        )
        super().__init__(*args, **kwargs)
        if template.is_builtin:
            # A built-in keeps its name (it is matched by name when the product updates it).
            for name in ("name", "description"):
                self.fields[name].disabled = True


class TemplateSourceForm(forms.Form):
    source = forms.CharField(
        label="Template source (Typst)",
        strip=False,
        max_length=MAX_SOURCE_CHARS,
        widget=forms.Textarea(
            attrs={
                "rows": 30,
                "spellcheck": "false",
                "autocomplete": "off",
                "autocapitalize": "off",
                "wrap": "off",
                "class": "code",
            }
        ),
    )
    based_on = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


class TemplateAssetForm(forms.Form):
    file = forms.FileField(
        label="File",
        help_text="PNG or SVG artwork and logos; TTF or OTF fonts.",
    )
    name = forms.CharField(
        label="Name in the template",
        required=False,
        max_length=100,
        help_text='Optional: e.g. background.png, used as image("background.png"). '
        "Defaults to the file's own name. A file of the same name is replaced.",
    )


class EmailTemplateForm(forms.ModelForm):
    class Meta:
        model = CredentialEmailTemplate
        fields = ["subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 16})}
        help_texts = {
            "subject": "One line. Placeholders in braces, e.g. {credential_number}.",
            "body": "Plain text. The signed PDF is attached to every email.",
        }


class EmailListFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Show",
        required=False,
        choices=[
            ("", "All sends"),
            ("unresolved", "Failed and not sent again"),
            *EmailStatus.choices,
        ],
    )

    def status_value(self) -> str:
        if self.is_bound and self.is_valid():
            return self.cleaned_data["status"]
        return ""
