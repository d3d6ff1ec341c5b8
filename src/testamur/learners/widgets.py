"""The learner picker: type a name (or learner ID, or USI), choose the learner from the list.

The list is radio buttons inside the form, so choosing needs no script of ours; htmx only
refreshes the list while typing. Without scripts, submitting the search shows the list.
"""

from django import forms
from django.template.loader import render_to_string
from django.urls import reverse

from testamur.learners.selectors import learner_picker_choices

PICKER_LIMIT = 20


def picker_context(*, field: str, search: str, chosen: str) -> dict:
    return {
        "field": field,
        "q": search,
        "chosen": chosen,
        "learners": learner_picker_choices(search=search, chosen=chosen, limit=PICKER_LIMIT),
        "limit": PICKER_LIMIT,
    }


class LearnerPicker(forms.Widget):
    """Posts the chosen learner's learner ID under the field's name; the search text goes
    under `<name>_q`."""

    search = ""

    def value_from_datadict(self, data, files, name):
        self.search = (data.get(f"{name}_q") or "").strip()[:100]
        return data.get(name)

    def value_omitted_from_data(self, data, files, name):
        return name not in data and f"{name}_q" not in data

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        element_id = attrs.get("id") or f"id_{name}"
        context = picker_context(field=name, search=self.search, chosen=value or "")
        context.update(
            id=element_id,
            url=f"{reverse('learners:picker')}?field={name}",
            described_by=attrs.get("aria-describedby", ""),
        )
        return render_to_string("learners/picker/widget.html", context)
