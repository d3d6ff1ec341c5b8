"""Forms for the import and export pages. They parse input; the services check the files."""

from datetime import date

from django import forms
from django.utils import timezone

from testamur.interchange.avetmiss.collection import RULE_SETS
from testamur.interchange.models import SPREADSHEET_KINDS, ImportKind
from testamur.interchange.spreadsheets.engine import RowImporter

NOT_MATCHED = ""


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class SpreadsheetUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label="The file holds",
        choices=[(kind.value, kind.label) for kind in SPREADSHEET_KINDS],
        initial=ImportKind.LEARNERS,
    )
    file = forms.FileField(
        label="CSV or Excel file",
        help_text="The first row names the columns. CSV files may be UTF-8 or Windows-1252.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".txt,.dat,.zip"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)]


class AvetmissUploadForm(forms.Form):
    files = MultipleFileField(
        label="NAT files",
        help_text=(
            "Choose the NAT files (each named after its NAT number, e.g. NAT00120.txt) or one "
            "zip holding them."
        ),
    )


class MappingForm(forms.Form):
    """One choice per field Testamur understands: which column of the file holds it."""

    dry_run = forms.BooleanField(
        label="Dry run: check every row and change nothing",
        required=False,
        initial=True,
        help_text="After a dry run without problems you can import the file with one click.",
    )

    def __init__(self, *args, importer: type[RowImporter], headers: list[str], **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        choices = [(NOT_MATCHED, "— not imported —"), *((h, h) for h in headers)]
        self.column_fields = []
        for column in importer.columns:
            name = f"column_{column.field}"
            label = f"{column.label} (required)" if column.required else column.label
            self.fields[name] = forms.ChoiceField(
                label=label, choices=choices, required=False, help_text=column.help
            )
            self.column_fields.append((column, name))
        self.order_fields([name for _, name in self.column_fields] + ["dry_run"])

    @property
    def mapping(self) -> dict[str, str]:
        return {
            column.field: self.cleaned_data[name]
            for column, name in self.column_fields
            if self.cleaned_data.get(name)
        }


def _this_year() -> tuple[date, date]:
    today = timezone.localdate()
    return date(today.year, 1, 1), date(today.year, 12, 31)


class AvetmissExportForm(forms.Form):
    date_from = forms.DateField(label="From", widget=DateInput)
    date_to = forms.DateField(label="To", widget=DateInput)
    rules = forms.ChoiceField(
        label="Reporting rules",
        choices=[(rules.key, rules.label) for rules in RULE_SETS.values()],
        initial="national",
        required=False,
        help_text=(
            "NSW Smart and Skilled also reports the units of the training plan that start "
            "after the period, as not yet started (85)."
        ),
    )
    override_reason = forms.CharField(
        label="Reason for downloading files with errors",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Recorded with the export, e.g. 'Interim copy for the state training authority'.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        start, end = _this_year()
        self.fields["date_from"].initial = start
        self.fields["date_to"].initial = end

    @property
    def chosen_rules(self):
        return RULE_SETS[self.cleaned_data.get("rules") or "national"]
