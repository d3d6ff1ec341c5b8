"""Report filters. They parse the query string; the selectors do the reading."""

from django import forms

from testamur.core.widgets import FastSelect
from testamur.credentials.forms import RegisterFilterForm
from testamur.credentials.models import CredentialStatus
from testamur.reports.clock import ClockWindow
from testamur.reports.selectors import Grouping, ReportFilters
from testamur.training.forms import DateInput

DATES_REVERSED = "The 'from' date is after the 'to' date: swap them to run this report."


class RegisterReportForm(RegisterFilterForm):
    """The register filter with the report's grouping and choice of date; no search, no
    template, and nothing shown while any input is wrong."""

    group = forms.ChoiceField(
        label="Group", choices=Grouping.CHOICES, initial=Grouping.OFFER, widget=forms.RadioSelect
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "All statuses"), *CredentialStatus.choices],
        widget=FastSelect,
    )
    q = None
    template = None
    date_field = forms.ChoiceField(
        label="Dates are",
        required=False,
        choices=[("credential_date", "Credential date"), ("issued_date", "Issued date")],
        widget=FastSelect,
    )
    date_from = forms.DateField(label="From", required=False, widget=DateInput)
    date_to = forms.DateField(label="To", required=False, widget=DateInput)

    field_order = [
        "group",
        "status",
        "type",
        "date_field",
        "date_from",
        "date_to",
        "officer",
        "course",
        "offer",
    ]
    dates_reversed = DATES_REVERSED

    def __init__(self, data=None, **kwargs):
        # The report runs on first opening: unbound values fall back to the initial grouping.
        if data is not None and not data.get("group"):
            data = data.copy()
            data["group"] = Grouping.OFFER
        super().__init__(data, **kwargs)

    def report_filters(self) -> ReportFilters | None:
        """The filters to run the report with, or None while any input is wrong."""
        if not self.is_valid():
            return None
        return self.register_filter(ReportFilters, grouping=self.cleaned_data["group"])


class ClockForm(forms.Form):
    window = forms.ChoiceField(
        label="Show",
        required=False,
        choices=ClockWindow.CHOICES,
        initial=ClockWindow.DUE_THIS_WEEK,
    )

    def window_value(self) -> str:
        if self.is_bound and self.is_valid() and self.cleaned_data["window"]:
            return self.cleaned_data["window"]
        return ClockWindow.DUE_THIS_WEEK
