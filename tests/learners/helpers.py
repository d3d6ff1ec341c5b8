"""Shared bits for the learner page tests."""

from django.forms.models import model_to_dict
from django.utils.html import escape

from testamur.learners.services import LEARNER_FIELDS


def page_text(response) -> str:
    return response.content.decode()


def shows(response, message: str) -> bool:
    """The message as a person sees it on the page (HTML-escaped the way templates escape)."""
    return escape(message) in page_text(response)


def create_data(**overrides) -> dict:
    """A complete, valid Add learner form, as a browser posts it."""
    data = {
        "client_id": "",
        "title": "Ms",
        "given_name": "Mia",
        "middle_names": "",
        "family_name": "Nguyen",
        "preferred_name": "",
        "date_of_birth": "2000-03-04",
        "gender": "F",
        "email": "mia.nguyen@example.com",
        "phone": "0400 000 000",
        "address_building": "",
        "address_unit": "",
        "address_street_number": "1",
        "address_street_name": "George St",
        "postal_delivery_box": "",
        "suburb": "Parramatta",
        "state": "NSW",
        "postcode": "2150",
        "usi": "BNGH7C75FN",
        "usi_status": "not_verified",
        "usi_verified_on": "",
        "usi_evidence": "",
        "is_active": "on",
        "privacy_flag": "",
        "special_requirements": "",
    }
    data.update(overrides)
    return data


def edit_data(learner, **overrides) -> dict:
    """The Edit form as the browser posts it when the person changes only `overrides`."""
    data = {}
    for name, value in model_to_dict(learner, fields=LEARNER_FIELDS).items():
        if isinstance(value, bool):
            data[name] = "on" if value else ""
        elif value is None:
            data[name] = ""
        else:
            data[name] = str(value)
    data["disability_types"] = [t.code for t in learner.disability_types.all()]
    for prior in learner.prior_educations.all():
        data[f"prior_{prior.achievement_id}"] = prior.recognition or "held"
    data.update(overrides)
    return data
