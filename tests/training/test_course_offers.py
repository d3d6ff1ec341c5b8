"""Admins schedule course offers at delivery locations; the list filters by course and dates."""

import pytest
from django.urls import reverse

from testamur.core.models import Event
from testamur.training.models import CourseOffer, DeliveryLocation
from testamur.training.services import (
    LOCATION_CODE_TAKEN,
    OFFER_CODE_TAKEN,
    OFFER_ENDS_BEFORE_START,
)
from tests.factories import course_make, location_make, offer_make

pytestmark = pytest.mark.django_db

CREATE = reverse("training:offer_create")
LIST = reverse("training:offer_list")


def _offer(course, **overrides) -> dict:
    data = {
        "course": str(course.pk),
        "code": "BSB4-2026-T1",
        "start_date": "2026-02-02",
        "end_date": "2026-11-27",
        "location": "",
        "trainer": "Sam Trainer",
    }
    data.update(overrides)
    return data


def test_admin_adds_an_offer_and_sees_its_page(rto_admin_client):
    course = course_make("BSB40120", title="Certificate IV in Business")
    location = location_make(name="Parramatta campus")

    response = rto_admin_client.post(CREATE, _offer(course, location=str(location.pk)), follow=True)

    page = response.content.decode()
    assert "Course offer BSB4-2026-T1 added." in page
    assert "02/02/2026 – 27/11/2026" in page
    assert "Parramatta campus" in page
    offer = CourseOffer.objects.get(code="BSB4-2026-T1")
    assert Event.objects.filter(subject_type="courseoffer", subject_id=str(offer.pk)).exists()


def test_offer_ending_before_it_starts_is_an_inline_error(rto_admin_client):
    course = course_make()

    response = rto_admin_client.post(
        CREATE, _offer(course, start_date="2026-06-01", end_date="2026-05-31")
    )

    assert response.status_code == 200
    assert OFFER_ENDS_BEFORE_START in response.content.decode()
    assert not CourseOffer.objects.exists()


def test_duplicate_offer_code_and_bad_dates_are_reported_together(rto_admin_client):
    course = course_make()
    offer_make(course, code="BSB4-2026-T1")

    page = rto_admin_client.post(
        CREATE, _offer(course, start_date="2026-06-01", end_date="2026-05-31")
    ).content.decode()

    assert OFFER_CODE_TAKEN.format(code="BSB4-2026-T1") in page
    assert OFFER_ENDS_BEFORE_START in page


def test_unreadable_date_is_an_inline_error(rto_admin_client):
    response = rto_admin_client.post(CREATE, _offer(course_make(), start_date="31/31/2026"))

    assert response.status_code == 200
    assert "Enter a valid date." in response.content.decode()


def test_admin_edits_an_offer(rto_admin_client):
    offer = offer_make(code="OLD-CODE")

    rto_admin_client.post(
        reverse("training:offer_edit", args=[offer.pk]),
        _offer(offer.course, code="NEW-CODE", trainer="Robin Assessor"),
    )

    offer.refresh_from_db()
    assert (offer.code, offer.trainer) == ("NEW-CODE", "Robin Assessor")
    assert Event.objects.get(subject_type="courseoffer", action="updated").data["code"] == [
        "OLD-CODE",
        "NEW-CODE",
    ]


def test_offer_list_filters_by_course_dates_and_code(rto_user_client):
    business, health = course_make("BSB40120"), course_make("HLT33115")
    offer_make(business, code="BUS-FEB", start_date="2026-02-02", end_date="2026-06-30")
    offer_make(business, code="BUS-JUL", start_date="2026-07-06", end_date="2026-12-11")
    offer_make(health, code="HLT-MAR", start_date="2026-03-02", end_date="2026-09-30")

    def codes(**params):
        page = rto_user_client.get(LIST, params).content.decode()
        return {code for code in ("BUS-FEB", "BUS-JUL", "HLT-MAR") if code in page}

    assert codes() == {"BUS-FEB", "BUS-JUL", "HLT-MAR"}
    assert codes(course=business.pk) == {"BUS-FEB", "BUS-JUL"}
    assert codes(starts_from="2026-03-01", starts_to="2026-06-30") == {"HLT-MAR"}
    assert codes(q="jul") == {"BUS-JUL"}


def test_bad_filter_values_do_not_break_the_list(rto_user_client):
    offer_make(code="BUS-FEB")

    response = rto_user_client.get(
        LIST, {"course": "abc", "starts_from": "not a date", "page": "x"}
    )

    assert response.status_code == 200
    assert "Enter a valid date." in response.content.decode()


def test_admin_adds_and_edits_a_delivery_location(rto_admin_client):
    data = {
        "code": "PARRA",
        "name": "Parramatta campus",
        "suburb": "Parramatta",
        "state": "NSW",
        "postcode": "2150",
    }
    rto_admin_client.post(reverse("training:location_create"), data)
    location = DeliveryLocation.objects.get(code="PARRA")

    rto_admin_client.post(
        reverse("training:location_edit", args=[location.pk]), {**data, "name": "Parramatta"}
    )

    page = rto_admin_client.get(reverse("training:location_list")).content.decode()
    assert "Parramatta" in page
    location.refresh_from_db()
    assert location.name == "Parramatta"


def test_duplicate_location_id_is_an_inline_error(rto_admin_client):
    location_make(code="PARRA")
    data = {
        "code": "PARRA",
        "name": "Second",
        "suburb": "Parramatta",
        "state": "NSW",
        "postcode": "2150",
    }

    page = rto_admin_client.post(reverse("training:location_create"), data).content.decode()

    assert LOCATION_CODE_TAKEN.format(code="PARRA") in page
    assert DeliveryLocation.objects.count() == 1


def test_users_may_view_offers_but_not_add_or_change_offers_or_locations(rto_user_client):
    offer = offer_make()
    location = location_make()

    assert rto_user_client.get(LIST).status_code == 200
    assert rto_user_client.get(reverse("training:offer_detail", args=[offer.pk])).status_code == 200
    assert rto_user_client.post(CREATE, _offer(offer.course, code="X1")).status_code == 403
    assert rto_user_client.get(reverse("training:offer_edit", args=[offer.pk])).status_code == 403
    assert rto_user_client.get(reverse("training:location_create")).status_code == 403
    edit_location = reverse("training:location_edit", args=[location.pk])
    assert rto_user_client.get(edit_location).status_code == 403
    assert not CourseOffer.objects.filter(code="X1").exists()
