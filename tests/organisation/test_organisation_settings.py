import pytest
from django.urls import reverse

from testamur.accounts.roles import Role
from testamur.core.models import Event
from testamur.organisation.models import Organisation, rto_code_validator
from testamur.organisation.selectors import organisation_time_zone
from testamur.organisation.services import (
    ABN_CHECK_FAILED,
    ISSUING_OFFICER_NOT_ALLOWED,
    JURISDICTION_IN_USE,
    organisation_update,
)
from testamur.organisation.views import SETTINGS_SAVED
from tests.factories import (
    course_make,
    enrolment_make,
    offer_make,
    organisation_configured,
    unit_make,
)
from tests.organisation.helpers import page_text, settings_data

URL = reverse("organisation:settings")


def test_owner_saves_settings_and_sees_them(owner_client, owner):
    response = owner_client.post(URL, settings_data(), follow=True)

    text = page_text(response)
    assert SETTINGS_SAVED in text
    assert 'value="Harbour City Training Pty Ltd"' in text
    assert 'value="1 George Street"' in text
    organisation = Organisation.load()
    assert organisation.rto_code == "41234"
    assert organisation.abn == "51824753556"
    assert organisation.website == "https://harbourcity.example"
    event = Event.objects.get(subject_type="organisation", action="updated")
    assert event.actor == owner
    assert "legal_name" in event.data["fields"]
    assert "abn" in event.data["fields"]


def test_saving_without_changes_records_no_event(owner_client):
    owner_client.post(URL, settings_data())
    before = Event.objects.filter(subject_type="organisation").count()

    owner_client.post(URL, settings_data())

    assert Event.objects.filter(subject_type="organisation").count() == before


@pytest.mark.parametrize("role", [Role.ADMIN, Role.USER], ids=lambda r: r.value)
def test_only_owners_may_change_settings(role, role_client):
    client = role_client(role)

    assert client.get(URL).status_code == 403
    assert client.post(URL, settings_data()).status_code == 403
    assert Organisation.load().legal_name == ""


def test_a_bad_rto_code_is_explained_and_nothing_is_saved(owner_client):
    response = owner_client.post(URL, settings_data(rto_code="12ab"))

    assert response.status_code == 200
    text = page_text(response)
    assert rto_code_validator.message in text
    assert "Nothing was saved" in text
    organisation = Organisation.load()
    assert organisation.rto_code == ""
    assert organisation.legal_name == ""


def test_an_abn_that_fails_its_check_digits_is_refused(owner_client):
    response = owner_client.post(URL, settings_data(abn="51 824 753 557"))

    assert ABN_CHECK_FAILED in page_text(response)
    assert Organisation.load().abn == ""


def test_an_abn_of_the_wrong_length_is_refused(owner_client):
    response = owner_client.post(URL, settings_data(abn="1234"))

    assert "An ABN is 11 digits" in page_text(response)
    assert Organisation.load().legal_name == ""


def test_nonsense_input_is_explained_not_a_server_error(owner_client):
    junk = settings_data(
        state="XX",
        postcode="2a50",
        time_zone="Mars/Olympus_Mons",
        jurisdiction="nowhere",
        credential_number_digits="99999999999999999999",
        credential_number_prefix="<b>bold</b>",
        default_issuing_officer="not-a-number",
        website="javascript:alert(1)",
        email="not an email",
        usi_gate="",
    )

    response = owner_client.post(URL, junk)

    assert response.status_code == 200
    text = page_text(response)
    assert "Select a valid choice" in text
    assert "A postcode is 4 digits." in text
    assert "Enter a valid URL." in text
    assert "Enter a valid email address." in text
    assert Organisation.load().legal_name == ""


def test_the_credential_number_example_is_shown(owner_client):
    response = owner_client.get(URL)

    assert "TM-000001" in page_text(response)


def test_the_example_follows_what_was_saved(owner_client):
    response = owner_client.post(
        URL,
        settings_data(credential_number_prefix="hct-", credential_number_digits="8"),
        follow=True,
    )

    assert "HCT-00000001" in page_text(response)
    assert Organisation.load().credential_number_prefix == "HCT-"


def test_the_example_updates_as_the_owner_types(owner_client):
    url = reverse("organisation:credential_number_example")

    response = owner_client.get(
        url, {"credential_number_prefix": "cert", "credential_number_digits": "5"}
    )
    assert "CERT00001" in page_text(response)

    response = owner_client.get(
        url, {"credential_number_prefix": "TM-", "credential_number_digits": "40"}
    )
    assert response.status_code == 200
    assert "Enter a valid prefix" in page_text(response)


def test_too_many_digits_in_the_number_is_refused(owner_client):
    response = owner_client.post(URL, settings_data(credential_number_digits="13"))

    assert "less than or equal to 12" in page_text(response)
    assert Organisation.load().credential_number_digits == 6


def test_the_ready_panel_lists_what_is_missing(owner_client):
    text = page_text(owner_client.get(URL))

    assert "Ready to issue credentials?" in text
    for item in ("RTO legal name", "RTO code", "RTO logo", "an active signatory"):
        assert f"<li>{item}</li>" in text


def test_the_ready_panel_says_ready_once_everything_is_set(owner_client):
    organisation_configured()

    text = page_text(owner_client.get(URL))

    assert "<li>" not in text.split("Ready to issue credentials?")[1].split("</section>")[0]
    assert "are all set up" in text


def test_the_default_issuing_officer_is_an_active_admin_or_owner(owner_client, make_user):
    admin = make_user(Role.ADMIN, "issuer", first_name="Ivy", last_name="Issuer")
    staff = make_user(Role.USER, "helper", first_name="Hal", last_name="Helper")

    text = page_text(owner_client.get(URL))
    assert "Ivy Issuer (issuer)" in text
    assert "Hal Helper" not in text

    response = owner_client.post(URL, settings_data(default_issuing_officer=str(staff.pk)))
    assert "Select a valid choice" in page_text(response)

    owner_client.post(URL, settings_data(default_issuing_officer=str(admin.pk)))
    assert Organisation.load().default_issuing_officer == admin


def test_the_service_refuses_a_user_as_issuing_officer(owner, make_user):
    staff = make_user(Role.USER)

    with pytest.raises(Exception) as caught:
        organisation_update(actor=owner, default_issuing_officer=staff)

    assert ISSUING_OFFICER_NOT_ALLOWED in caught.value.messages
    assert Organisation.load().default_issuing_officer is None


def test_a_new_time_zone_takes_effect_at_once(owner_client):
    assert organisation_time_zone() == "Australia/Sydney"

    owner_client.post(URL, settings_data(time_zone="Australia/Perth"))

    assert organisation_time_zone() == "Australia/Perth"


def test_the_jurisdiction_explains_the_achieved_outcomes(owner_client):
    text = page_text(owner_client.get(URL))

    assert "which outcomes count as achieved" in text
    assert "20, 51, 53, 60" in text


def test_the_jurisdiction_cannot_change_once_outcomes_are_recorded(owner_client):
    enrolment_make(offer=offer_make(course_make(units=[unit_make()])))

    response = owner_client.post(URL, settings_data(jurisdiction="wa"))

    assert JURISDICTION_IN_USE.format(current="National (all states except WA)") in page_text(
        response
    )
    assert Organisation.load().jurisdiction == "national"


def test_an_empty_submission_is_explained(owner_client):
    response = owner_client.post(URL, {})

    assert response.status_code == 200
    assert "This field is required." in page_text(response)
    assert Organisation.load().legal_name == ""
