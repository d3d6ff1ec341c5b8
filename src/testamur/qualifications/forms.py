"""Forms for the qualification pages. They parse input; the services decide and explain."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from testamur.learners.models import Learner
from testamur.learners.widgets import LearnerPicker
from testamur.qualifications.models import (
    AuditOutcome,
    ElectiveGroup,
    Major,
    PackagingRule,
    QualificationStatus,
    group_key_validator,
)
from testamur.qualifications.rule_file import MAX_BYTES
from testamur.qualifications.selectors import qualifications_with_rules
from testamur.training.forms import (
    CHOOSE_LEARNER,
    UNKNOWN_LEARNER_ID,
    UNKNOWN_UNIT_CODES,
    DateInput,
)
from testamur.training.models import Course, Unit

NOT_A_CSV_NAME = "Choose a .csv file."
FILE_TOO_LARGE = "The file is larger than {limit} KB."
UNIT_CODES_HELP = "One unit code per line (commas or spaces also work), e.g. BSBWHS411."


def _unit_codes_field(label: str, required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=UNIT_CODES_HELP,
    )


def units_from_codes(text: str) -> list[Unit]:
    codes = [code for code in dict.fromkeys(re.split(r"[\s,;]+", text.upper())) if code]
    units = Unit.objects.in_bulk(codes, field_name="code")
    unknown = [code for code in codes if code not in units]
    if unknown:
        raise ValidationError(UNKNOWN_UNIT_CODES.format(codes=", ".join(unknown)))
    return [units[code] for code in codes]


def _codes_text(units) -> str:
    return "\n".join(sorted(unit.code for unit in units))


class RuleForm(forms.Form):
    units_required = forms.IntegerField(label="Total units required", min_value=1, max_value=999)
    imported_electives_limit = forms.IntegerField(
        label="Electives from elsewhere (most)",
        min_value=0,
        max_value=999,
        initial=0,
        help_text=PackagingRule._meta.get_field("imported_electives_limit").help_text,
    )
    core_units = _unit_codes_field("Core units")
    description = forms.CharField(
        label="Packaging rules in words",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="As published for the qualification; shown on the rules tab.",
    )

    def __init__(self, *args, rule: PackagingRule | None = None, **kwargs):
        if rule is not None:
            kwargs["initial"] = {
                "units_required": rule.units_required,
                "imported_electives_limit": rule.imported_electives_limit,
                "core_units": _codes_text(rule.core_units.all()),
                "description": rule.description,
            }
        super().__init__(*args, **kwargs)

    def clean_core_units(self) -> list[Unit]:
        return units_from_codes(self.cleaned_data["core_units"])


class GroupForm(forms.Form):
    key = forms.CharField(
        label="Group key", max_length=10, validators=[group_key_validator], help_text="e.g. A"
    )
    name = forms.CharField(label="Group name", max_length=100)
    at_least = forms.IntegerField(
        label="Choose at least",
        min_value=0,
        max_value=999,
        initial=0,
        help_text="How many of the group's units a learner must achieve (0: any number).",
    )
    units = _unit_codes_field("Units in the group", required=True)
    major = forms.ModelChoiceField(
        label="Applies to",
        required=False,
        queryset=Major.objects.none(),
        empty_label="Every learner (the qualification's own group)",
    )

    def __init__(self, *args, rule: PackagingRule, group: ElectiveGroup | None = None, **kwargs):
        if group is not None:
            kwargs["initial"] = {
                "key": group.key,
                "name": group.name,
                "at_least": group.at_least,
                "units": _codes_text(group.units.all()),
                "major": group.major_id,
            }
        super().__init__(*args, **kwargs)
        self.fields["major"].queryset = rule.majors.order_by("name")
        self.fields["major"].label_from_instance = lambda major: f"Major: {major.name}"

    def clean_units(self) -> list[Unit]:
        return units_from_codes(self.cleaned_data["units"])


class MajorForm(forms.Form):
    name = forms.CharField(label="Major (specialisation)", max_length=100)
    core_units = _unit_codes_field("Units every learner of this major needs")

    def __init__(self, *args, major: Major | None = None, **kwargs):
        if major is not None:
            kwargs["initial"] = {
                "name": major.name,
                "core_units": _codes_text(major.core_units.all()),
            }
        super().__init__(*args, **kwargs)

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()

    def clean_core_units(self) -> list[Unit]:
        return units_from_codes(self.cleaned_data["core_units"])


class EquivalenceForm(forms.Form):
    superseded_qualification = forms.ModelChoiceField(
        label="Superseded qualification", queryset=Course.objects.none()
    )
    superseded_unit = forms.CharField(label="Unit of the superseded qualification", max_length=12)
    unit = forms.CharField(label="Counts as unit", max_length=12)
    is_equivalent = forms.BooleanField(
        label="Equivalent",
        required=False,
        initial=True,
        help_text="Untick to record a mapped unit that is not equivalent (it will not count).",
    )

    def __init__(self, *args, qualification: Course, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["superseded_qualification"].queryset = Course.objects.filter(
            superseded_by=qualification
        ).order_by("code")

    def _unit(self, name: str) -> Unit:
        return units_from_codes(self.cleaned_data[name])[0]

    def clean_superseded_unit(self) -> Unit:
        return self._unit("superseded_unit")

    def clean_unit(self) -> Unit:
        return self._unit("unit")


class RuleFileForm(forms.Form):
    file = forms.FileField(label="Rule file (CSV)")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".csv"):
            raise ValidationError(NOT_A_CSV_NAME)
        if upload.size > MAX_BYTES:
            raise ValidationError(FILE_TOO_LARGE.format(limit=MAX_BYTES // 1024))
        return upload


class EnrolmentFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "All"), *QualificationStatus.choices]
    )
    outcome = forms.ChoiceField(
        label="Audit outcome",
        required=False,
        choices=[("", "All"), ("not_audited", "Not audited yet"), *AuditOutcome.choices],
    )
    q = forms.CharField(label="Search", required=False, max_length=100)


class QualificationEnrolmentForm(forms.Form):
    learner = forms.CharField(
        label="Learner",
        max_length=10,
        widget=LearnerPicker,
        error_messages={"required": CHOOSE_LEARNER},
    )
    qualification = forms.ModelChoiceField(label="Qualification", queryset=Course.objects.none())
    major = forms.ModelChoiceField(
        label="Major",
        required=False,
        queryset=Major.objects.none(),
        empty_label="— no major —",
        help_text="Required when the qualification has majors.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["qualification"].queryset = qualifications_with_rules()
        self.fields["major"].queryset = Major.objects.select_related(
            "rule__qualification"
        ).order_by("rule__qualification__code", "name")
        self.fields["major"].label_from_instance = lambda major: (
            f"{major.rule.qualification.code}: {major.name}"
        )

    def clean_learner(self) -> Learner:
        client_id = self.cleaned_data["learner"].strip()
        learner = Learner.objects.filter(client_id__iexact=client_id).first()
        if learner is None:
            raise ValidationError(UNKNOWN_LEARNER_ID.format(client_id=client_id))
        return learner


class SwitchMajorForm(forms.Form):
    major = forms.ModelChoiceField(label="New major", queryset=Major.objects.none())

    def __init__(self, *args, majors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["major"].queryset = majors


class TransitionForm(forms.Form):
    transitioned_on = forms.DateField(label="Transition date", widget=DateInput)
    major = forms.ModelChoiceField(
        label="Major in the new qualification",
        required=False,
        queryset=Major.objects.none(),
        empty_label="— keep the same name, or none —",
    )

    def __init__(self, *args, qualification: Course, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("transitioned_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["major"].queryset = Major.objects.filter(rule__qualification=qualification)
