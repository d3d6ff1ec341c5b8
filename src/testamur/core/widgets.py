"""Form widgets."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join


class FastSelect(forms.Select):
    """A single-choice select rendered in Python.

    Django renders each option through a template; a filter bar with a few hundred courses then
    spends longer on its drop-downs than on its query. Same markup, a fraction of the time.
    """

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        chosen = {str(v) for v in self.format_value(value)}
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (key, " selected" if str(key) in chosen else "", label)
                for key, label in (
                    ("" if option is None else str(option), label) for option, label in self.choices
                )
            ),
        )
        return format_html("<select{}>{}</select>", flatatt(attrs), options)
