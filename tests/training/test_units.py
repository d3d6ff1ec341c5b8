"""Admins add and edit units; a duplicate code is refused with a clear message."""

import pytest
from django.urls import reverse

from testamur.core.models import Event
from testamur.training.models import Unit
from testamur.training.services import UNIT_CODE_TAKEN
from tests.factories import unit_make

pytestmark = pytest.mark.django_db

CREATE = reverse("training:unit_create")


def _unit(**overrides) -> dict:
    data = {
        "code": "BSBWHS411",
        "title": "Implement and monitor WHS policies",
        "nominal_hours": "40",
        "field_of_education": "",
        "is_vet": "on",
    }
    data.update(overrides)
    return data


def test_admin_adds_a_unit_and_sees_it_listed(rto_admin_client, rto_admin):
    response = rto_admin_client.post(CREATE, _unit(), follow=True)

    assert "Unit BSBWHS411 added." in response.content.decode()
    assert "Implement and monitor WHS policies" in response.content.decode()
    unit = Unit.objects.get(code="BSBWHS411")
    assert unit.nominal_hours == 40
    event = Event.objects.get(subject_type="unit", subject_id=str(unit.pk))
    assert (event.action, event.actor) == ("created", rto_admin)


def test_a_lower_case_code_is_stored_in_capitals(rto_admin_client):
    rto_admin_client.post(CREATE, _unit(code=" bsbwhs411 "))

    assert Unit.objects.filter(code="BSBWHS411").exists()


def test_duplicate_unit_code_is_an_inline_error_and_nothing_is_saved(rto_admin_client):
    unit_make("BSBWHS411", title="Original title")

    response = rto_admin_client.post(CREATE, _unit(title="A second copy"))

    assert response.status_code == 200
    assert UNIT_CODE_TAKEN.format(code="BSBWHS411") in response.content.decode()
    assert list(Unit.objects.values_list("title", flat=True)) == ["Original title"]


def test_editing_a_unit_to_another_units_code_is_refused(rto_admin_client):
    unit_make("BSBWHS411")
    other = unit_make("BSBOPS304", title="Deliver and monitor a service")

    response = rto_admin_client.post(
        reverse("training:unit_edit", args=[other.pk]), _unit(title="Deliver and monitor a service")
    )

    assert UNIT_CODE_TAKEN.format(code="BSBWHS411") in response.content.decode()
    other.refresh_from_db()
    assert other.code == "BSBOPS304"
    assert "Edit unit BSBOPS304" in response.content.decode()


def test_invalid_code_shows_the_rule(rto_admin_client):
    response = rto_admin_client.post(CREATE, _unit(code="BSB-WHS!"))

    assert "A unit code is 3–12 capital letters and digits" in response.content.decode()
    assert not Unit.objects.exists()


def test_admin_edits_a_unit_and_the_change_is_recorded(rto_admin_client):
    unit = unit_make("BSBWHS411", title="Old title", nominal_hours=10)

    rto_admin_client.post(reverse("training:unit_edit", args=[unit.pk]), _unit(title="New title"))

    unit.refresh_from_db()
    assert (unit.title, unit.nominal_hours) == ("New title", 40)
    event = Event.objects.get(subject_type="unit", action="updated")
    assert event.data["title"] == ["Old title", "New title"]


def test_search_finds_units_by_code_or_title(rto_user_client):
    unit_make("BSBWHS411", title="Implement and monitor WHS policies")
    unit_make("CHCCOM005", title="Communicate and work in health")

    page = rto_user_client.get(reverse("training:unit_list"), {"q": "whs"}).content.decode()

    assert "BSBWHS411" in page
    assert "CHCCOM005" not in page


def test_unit_list_is_paginated_in_fifties(rto_user_client):
    for n in range(51):
        unit_make(f"PAG{n:03d}")

    first = rto_user_client.get(reverse("training:unit_list")).content.decode()
    second = rto_user_client.get(reverse("training:unit_list"), {"page": "2"}).content.decode()

    assert "PAG049" in first and "PAG050" not in first
    assert "PAG050" in second
    assert "Page 1 of 2" in first


def test_users_may_view_units_but_not_add_or_change_them(rto_user_client):
    unit = unit_make("BSBWHS411")

    assert rto_user_client.get(reverse("training:unit_list")).status_code == 200
    assert rto_user_client.get(CREATE).status_code == 403
    assert rto_user_client.post(CREATE, _unit(code="NEWUNIT1")).status_code == 403
    edit = reverse("training:unit_edit", args=[unit.pk])
    assert rto_user_client.post(edit, _unit(title="Changed")).status_code == 403
    assert not Unit.objects.filter(code="NEWUNIT1").exists()
    assert "Add unit" not in rto_user_client.get(reverse("training:unit_list")).content.decode()
