"""Forms for the training pages. They parse input; the services validate the records and save."""

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

# Kept importable from here for code written before core/forms.py had them.
from testamur.core.forms import form_add_service_errors as form_add_service_errors
from testamur.core.forms import posted_ids as posted_ids
from testamur.learners.models import Learner
from testamur.learners.widgets import LearnerPicker
from testamur.organisation.models import Jurisdiction
from testamur.training.finalisation.plans import Finalisation
from testamur.training.finalisation.services import CHECKLIST_FIELDS
from testamur.training.models import (
    Course,
    CourseEnrolment,
    CourseOffer,
    CourseType,
    DeliveryLocation,
    EnrolmentStatus,
    OutcomeCode,
    Unit,
    UnitEnrolment,
)
from testamur.training.services import (
    COURSE_FIELDS,
    ENROLMENT_FIELDS,
    LOCATION_FIELDS,
    OFFER_FIELDS,
    UNIT_ENROLMENT_FIELDS,
    UNIT_FIELDS,
)

UNKNOWN_UNIT_CODES = "No unit has the code {codes}. Add the unit first, or check the spelling."
UNKNOWN_LEARNER_ID = "No learner has the learner ID {client_id}."
CHOOSE_LEARNER = "Search for the learner and choose them from the list."
UNKNOWN_OFFER_CODE = "No course offer has the code {code}."


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class OfferField(forms.ModelChoiceField):
    """A course offer typed by its code: a list of every offer would not fit on a page once an
    RTO has thousands. An offer's id (as links carry) is accepted too."""

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", CourseOffer.objects.all())
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"placeholder": "Offer code", "size": 18})
        )
        super().__init__(**kwargs)

    def _find(self, value: str) -> CourseOffer | None:
        offer = self.queryset.filter(code__iexact=value).first()
        if offer is None and value.isdigit() and len(value) < 19:
            offer = self.queryset.filter(pk=int(value)).first()
        return offer

    def to_python(self, value):
        value = str(value or "").strip()
        if value in self.empty_values:
            return None
        offer = self._find(value)
        if offer is None:
            raise ValidationError(UNKNOWN_OFFER_CODE.format(code=value), code="invalid_choice")
        return offer

    def prepare_value(self, value):
        if isinstance(value, CourseOffer):
            return value.code
        if isinstance(value, str | int) and str(value).strip():
            offer = self._find(str(value).strip())
            return offer.code if offer else value
        return value


def _formfield(field: models.Field, **kwargs):
    if isinstance(field, models.DateField):
        kwargs["widget"] = DateInput
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class ModelFieldsForm(forms.Form):
    """A form whose fields (labels, lengths, choices) come from a model.

    Unlike a ModelForm it never builds or validates an instance: the service does that, so a
    rule and its message live in one place for the web pages, the API and imports alike.
    """

    model: type[models.Model]
    field_names: list[str]

    def __init__(self, *args, instance: models.Model | None = None, **kwargs):
        if instance is not None and instance.pk:
            kwargs["initial"] = {
                **forms.model_to_dict(instance, fields=self.field_names),
                **kwargs.get("initial", {}),
            }
        super().__init__(*args, **kwargs)
        self.instance = instance
        model_fields = forms.fields_for_model(
            self.model, fields=self.field_names, formfield_callback=_formfield
        )
        self.fields = {**model_fields, **self.fields}


class UnitForm(ModelFieldsForm):
    model = Unit
    field_names = UNIT_FIELDS

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip().upper()


class CourseForm(ModelFieldsForm):
    model = Course
    field_names = COURSE_FIELDS

    unit_codes = forms.CharField(
        label="Units",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text="One unit code per line (commas or spaces also work), e.g. BSBWHS411.",
    )

    def __init__(self, *args, instance: Course | None = None, **kwargs):
        if instance is not None and instance.pk:
            codes = instance.units.order_by("code").values_list("code", flat=True)
            kwargs["initial"] = {"unit_codes": "\n".join(codes), **kwargs.get("initial", {})}
        super().__init__(*args, instance=instance, **kwargs)
        # Model order, with the units after the course's own fields.
        self.fields["unit_codes"] = self.fields.pop("unit_codes")
        superseded_by = self.fields["superseded_by"]
        superseded_by.label = "Superseded by"
        superseded_by.empty_label = "— not superseded —"
        if instance is not None and instance.pk:
            superseded_by.queryset = Course.objects.exclude(pk=instance.pk)
        self.fields["aqf_level"].help_text = "Qualifications only."

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip().upper()

    def clean_unit_codes(self) -> list[Unit]:
        codes = list(dict.fromkeys(re.split(r"[\s,;]+", self.cleaned_data["unit_codes"].upper())))
        codes = [code for code in codes if code]
        units = {unit.code: unit for unit in Unit.objects.filter(code__in=codes)}
        unknown = [code for code in codes if code not in units]
        if unknown:
            raise ValidationError(UNKNOWN_UNIT_CODES.format(codes=", ".join(unknown)))
        return [units[code] for code in codes]

    def clean(self) -> dict:
        cleaned = super().clean()
        # The services take the course's units as "units".
        if "unit_codes" in cleaned:
            cleaned["units"] = cleaned.pop("unit_codes")
        return cleaned


class CourseFilterForm(forms.Form):
    type = forms.ChoiceField(
        label="Type", required=False, choices=[("", "All types"), *CourseType.choices]
    )
    q = forms.CharField(label="Search code or title", required=False, max_length=100)


class SearchForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=100)


class LocationForm(ModelFieldsForm):
    model = DeliveryLocation
    field_names = LOCATION_FIELDS

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip()


class OfferForm(ModelFieldsForm):
    model = CourseOffer
    field_names = OFFER_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = Course.objects.order_by("code")
        self.fields["location"].empty_label = "— none —"

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip()


class OfferFilterForm(forms.Form):
    course = forms.ModelChoiceField(
        label="Course",
        required=False,
        queryset=Course.objects.order_by("code"),
        empty_label="All courses",
    )
    starts_from = forms.DateField(label="Starts on or after", required=False, widget=DateInput)
    starts_to = forms.DateField(label="Starts on or before", required=False, widget=DateInput)
    q = forms.CharField(label="Offer code", required=False, max_length=30)


class OfferEnrolmentFilterForm(forms.Form):
    """The course offer's enrolments list: by enrolment status and outcome completeness."""

    status = forms.ChoiceField(
        label="Enrolment status",
        required=False,
        choices=[("", "Any status"), *EnrolmentStatus.choices],
    )
    outcomes = forms.ChoiceField(
        label="Unit outcomes",
        required=False,
        choices=[
            ("", "Any"),
            ("all", "Every unit achieved"),
            ("some", "At least one unit achieved"),
            ("none", "No unit achieved"),
        ],
    )


class EnrolmentForm(ModelFieldsForm):
    model = CourseEnrolment
    field_names = ENROLMENT_FIELDS


class ChecklistForm(ModelFieldsForm):
    model = CourseEnrolment
    field_names = CHECKLIST_FIELDS


class EnrolmentCreateForm(forms.Form):
    learner = forms.CharField(
        label="Learner",
        max_length=10,
        widget=LearnerPicker,
        error_messages={"required": CHOOSE_LEARNER},
    )
    offer = forms.ModelChoiceField(
        label="Course offer",
        queryset=CourseOffer.objects.select_related("course").order_by("-start_date", "code"),
    )
    commencement_date = forms.DateField(
        label="Commencement date",
        required=False,
        widget=DateInput,
        help_text="Leave blank to use the offer's start date.",
    )
    commitment_id = forms.CharField(label="Commitment ID", required=False, max_length=10)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offer"].label_from_instance = lambda offer: (
            f"{offer.code} · {offer.course.code} {offer.course.title} · "
            f"{offer.start_date:%d/%m/%Y}–{offer.end_date:%d/%m/%Y}"
        )

    def clean_learner(self) -> Learner:
        client_id = self.cleaned_data["learner"].strip()
        learner = Learner.objects.filter(client_id__iexact=client_id).first()
        if learner is None:
            raise ValidationError(UNKNOWN_LEARNER_ID.format(client_id=client_id))
        return learner


class UnitEnrolmentForm(ModelFieldsForm):
    """Outcome choices are the organisation's jurisdiction set.

    Any outcome code is accepted here so that a code from the other set gets the service's
    explanation rather than a bare "Select a valid choice".
    """

    model = UnitEnrolment
    field_names = UNIT_ENROLMENT_FIELDS

    def __init__(self, *args, jurisdiction: str, with_unit: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        outcome = self.fields["outcome"]
        outcome.queryset = OutcomeCode.objects.all()
        outcome.choices = [("", "---------")] + [
            (code.pk, f"{code}{'' if code.is_current else ' (no longer current)'}")
            for code in OutcomeCode.objects.filter(jurisdiction=jurisdiction)
        ]
        outcome.help_text = f"{Jurisdiction(jurisdiction).label} outcome codes."
        for name in ("scheduled_hours", "actual_hours"):
            self.fields[name].widget.attrs["min"] = "0"
        if with_unit:
            unit = forms.ModelChoiceField(label="Unit", queryset=Unit.objects.order_by("code"))
            self.fields = {"unit": unit, **self.fields}


class EnrolLearnersSearchForm(forms.Form):
    q = forms.CharField(
        label="Find learners by name, learner ID or USI", required=False, max_length=100
    )


def _outcome_choices(jurisdiction: str, *, final_only: bool = False) -> list[tuple]:
    codes = OutcomeCode.objects.filter(jurisdiction=jurisdiction, is_current=True)
    if final_only:
        codes = codes.filter(is_final=True)
    return [("", "— leave as they are —")] + [(code.pk, str(code)) for code in codes]


class FinaliseForm(forms.Form):
    """The finalise choices; the service decides which apply to the chosen status.

    Any outcome code is accepted here so that a code from the other jurisdiction gets the
    service's explanation rather than a bare "Select a valid choice".
    """

    status = forms.ChoiceField(
        label="Finish as",
        choices=[("", "— choose —")]
        + [c for c in EnrolmentStatus.choices if c[0] != EnrolmentStatus.ACTIVE],
    )
    status_reason = forms.CharField(label="Status reason", required=False, max_length=200)
    completion_date = forms.DateField(
        label="Assessment completed", required=False, widget=DateInput
    )
    unit_outcome = forms.ModelChoiceField(
        label="Outcome for units without a final outcome",
        required=False,
        queryset=OutcomeCode.objects.all(),
    )
    unit_end_date = forms.DateField(
        label="Actual end date of units still running",
        required=False,
        widget=DateInput,
        help_text="Units scheduled to end later end on this date. Blank: the assessment "
        "completed date.",
    )
    withdrawal_date = forms.DateField(label="Withdrawal date", required=False, widget=DateInput)
    resume_start_date = forms.DateField(
        label="Deferred units start", required=False, widget=DateInput
    )
    resume_end_date = forms.DateField(label="Deferred units end", required=False, widget=DateInput)

    def __init__(self, *args, jurisdiction: str, unit_enrolments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit_outcome"].choices = _outcome_choices(jurisdiction, final_only=True)
        # One "hours attended" box per unit still running, for a single enrolment only.
        self.hours_fields = []
        for ue in unit_enrolments:
            if ue.outcome.is_final:
                continue
            name = f"hours_{ue.pk}"
            label = f"{ue.unit.code} hours attended"
            self.fields[name] = forms.DecimalField(
                label=label,
                required=False,
                min_value=Decimal("0"),
                max_digits=6,
                decimal_places=1,
                widget=forms.NumberInput(attrs={"min": "0", "step": "0.1", "aria-label": label}),
            )
            self.hours_fields.append((ue, self[name]))

    # The fields that apply to each kind of status, for the form's sections.
    @property
    def completion_fields(self) -> list:
        return [self[name] for name in ("completion_date", "unit_outcome", "unit_end_date")]

    @property
    def withdrawal_fields(self) -> list:
        return [self["withdrawal_date"]]

    @property
    def deferral_fields(self) -> list:
        return [self[name] for name in ("resume_start_date", "resume_end_date")]

    def finalisation(self) -> Finalisation:
        data = self.cleaned_data
        hours = {
            ue.pk: data[field.name]
            for ue, field in self.hours_fields
            if data.get(field.name) is not None
        }
        return Finalisation(
            status=data["status"],
            status_reason=data["status_reason"],
            completion_date=data["completion_date"],
            unit_outcome=data["unit_outcome"],
            unit_end_date=data["unit_end_date"],
            withdrawal_date=data["withdrawal_date"],
            hours_attended=hours,
            resume_start_date=data["resume_start_date"],
            resume_end_date=data["resume_end_date"],
        )


class UnitOutcomesForm(forms.Form):
    """Set one outcome and/or dates on the ticked unit enrolments of an offer."""

    outcome = forms.ModelChoiceField(
        label="Outcome", required=False, queryset=OutcomeCode.objects.all()
    )
    start_date = forms.DateField(label="Start date", required=False, widget=DateInput)
    end_date = forms.DateField(label="End date", required=False, widget=DateInput)

    def __init__(self, *args, jurisdiction: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = _outcome_choices(jurisdiction)


class TransitionForm(forms.Form):
    offer = forms.ModelChoiceField(label="Course offer", queryset=CourseOffer.objects.none())
    reported = forms.TypedChoiceField(
        label="Training activity for the superseded qualification",
        choices=[
            ("no", "Not yet reported: cancel the commitment ID and use a new one"),
            ("yes", "Already reported: report the current and superseded codes together"),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    commitment_id = forms.CharField(
        label="New commitment ID",
        required=False,
        max_length=10,
        help_text="Needed when the old commitment ID is cancelled.",
    )

    def __init__(self, *args, course: Course, **kwargs):
        super().__init__(*args, **kwargs)
        offer = self.fields["offer"]
        offer.queryset = CourseOffer.objects.filter(course=course).order_by("-start_date", "code")
        offer.label_from_instance = lambda o: (
            f"{o.code} · {o.start_date:%d/%m/%Y}–{o.end_date:%d/%m/%Y}"
        )
