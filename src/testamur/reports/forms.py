"""Report filters. They parse the query string; the selectors do the reading."""

from django import forms

from testamur.accounts.models import User
from testamur.core.widgets import FastSelect
from testamur.credentials.models import CredentialStatus, CredentialType
from testamur.credentials.selectors import issuing_officers_in_use
from testamur.reports.clock import ClockWindow
from testamur.reports.selectors import Grouping, ReportFilters
from testamur.training.forms import DateInput, OfferField
from testamur.training.models import Course

DATES_REVERSED = "The 'from' date is after the 'to' date: swap them to run this report."


class RegisterReportForm(forms.Form):
    group = forms.ChoiceField(
        label="Group", choices=Grouping.CHOICES, initial=Grouping.OFFER, widget=forms.RadioSelect
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "All statuses"), *CredentialStatus.choices],
        widget=FastSelect,
    )
    type = forms.ChoiceField(
        label="Type",
        required=False,
        choices=[("", "All types"), *CredentialType.choices],
        widget=FastSelect,
    )
    date_field = forms.ChoiceField(
        label="Dates are",
        required=False,
        choices=[("credential_date", "Credential date"), ("issued_date", "Issued date")],
        widget=FastSelect,
    )
    date_from = forms.DateField(label="From", required=False, widget=DateInput)
    date_to = forms.DateField(label="To", required=False, widget=DateInput)
    officer = forms.ModelChoiceField(
        label="Issuing officer",
        required=False,
        queryset=User.objects.none(),
        empty_label="Anyone",
        widget=FastSelect,
    )
    course = forms.ModelChoiceField(
        label="Course",
        required=False,
        queryset=Course.objects.none(),
        empty_label="All courses",
        widget=FastSelect,
    )
    offer = OfferField(label="Course offer", required=False)

    def __init__(self, data=None, **kwargs):
        # The report runs on first opening: unbound values fall back to the initial grouping.
        if data is not None and not data.get("group"):
            data = data.copy()
            data["group"] = Grouping.OFFER
        super().__init__(data, **kwargs)
        self.fields["officer"].queryset = issuing_officers_in_use()
        self.fields["officer"].label_from_instance = lambda user: user.display_name
        self.fields["course"].queryset = Course.objects.order_by("code")

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", DATES_REVERSED)
        return cleaned

    def report_filters(self) -> ReportFilters | None:
        """The filters to run the report with, or None while any input is wrong."""
        if not self.is_valid():
            return None
        values = self.cleaned_data
        return ReportFilters(
            grouping=values["group"],
            status=values["status"],
            credential_type=values["type"],
            date_field=values["date_field"] or "credential_date",
            date_from=values["date_from"],
            date_to=values["date_to"],
            issuing_officer=values["officer"],
            course=values["course"],
            offer=values["offer"],
        )


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
