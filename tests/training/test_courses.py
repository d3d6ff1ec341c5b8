"""Admins add courses with their units; the AQF level belongs to qualifications only."""

import pytest
from django.urls import reverse

from testamur.core.models import Event
from testamur.training.forms import UNKNOWN_UNIT_CODES
from testamur.training.models import Course
from testamur.training.services import AQF_LEVEL_ONLY_FOR_QUALIFICATIONS, COURSE_CODE_TAKEN
from tests.factories import course_make, offer_make, unit_make

pytestmark = pytest.mark.django_db

CREATE = reverse("training:course_create")


def _course(**overrides) -> dict:
    data = {
        "code": "BSB40120",
        "title": "Certificate IV in Business",
        "course_type": "qualification",
        "aqf_level": "4",
        "nominal_hours": "600",
        "superseded_by": "",
        "is_active": "on",
        "unit_codes": "",
    }
    data.update(overrides)
    return data


def test_admin_adds_a_qualification_with_its_units(rto_admin_client):
    unit_make("BSBWHS411", title="Implement and monitor WHS policies")
    unit_make("BSBOPS404", title="Implement customer service strategies")

    response = rto_admin_client.post(
        CREATE, _course(unit_codes="bsbwhs411\nBSBOPS404, BSBWHS411"), follow=True
    )

    page = response.content.decode()
    assert "Course BSB40120 added." in page
    assert "Implement and monitor WHS policies" in page
    assert "Implement customer service strategies" in page
    course = Course.objects.get(code="BSB40120")
    assert sorted(course.units.values_list("code", flat=True)) == ["BSBOPS404", "BSBWHS411"]
    assert course.aqf_level == 4
    assert Event.objects.filter(subject_type="course", subject_id=str(course.pk)).exists()


def test_unknown_unit_codes_are_named_and_nothing_is_saved(rto_admin_client):
    unit_make("BSBWHS411")

    response = rto_admin_client.post(CREATE, _course(unit_codes="BSBWHS411\nNOPE123\nXYZ999"))

    assert UNKNOWN_UNIT_CODES.format(codes="NOPE123, XYZ999") in response.content.decode()
    assert not Course.objects.exists()


def test_aqf_level_on_a_skill_set_is_an_inline_error(rto_admin_client):
    response = rto_admin_client.post(
        CREATE,
        _course(
            code="BSBSS00123",
            title="Entrepreneurship Skill Set",
            course_type="skill_set",
            aqf_level="4",
        ),
    )

    assert response.status_code == 200
    assert AQF_LEVEL_ONLY_FOR_QUALIFICATIONS in response.content.decode()
    assert not Course.objects.exists()


def test_skill_set_without_aqf_level_is_saved(rto_admin_client):
    rto_admin_client.post(CREATE, _course(code="BSBSS00123", course_type="skill_set", aqf_level=""))

    assert Course.objects.get(code="BSBSS00123").aqf_level is None


def test_duplicate_course_code_is_an_inline_error(rto_admin_client):
    course_make("BSB40120")

    response = rto_admin_client.post(CREATE, _course())

    assert COURSE_CODE_TAKEN.format(code="BSB40120") in response.content.decode()
    assert Course.objects.count() == 1


def test_admin_edits_a_course_replacing_units_and_marking_it_superseded(rto_admin_client):
    old_unit, new_unit = unit_make("BSBOLD101"), unit_make("BSBNEW101")
    course = course_make("BSB40115", units=[old_unit])
    replacement = course_make("BSB40120")

    rto_admin_client.post(
        reverse("training:course_edit", args=[course.pk]),
        _course(code="BSB40115", superseded_by=str(replacement.pk), unit_codes="BSBNEW101"),
    )

    course.refresh_from_db()
    assert list(course.units.all()) == [new_unit]
    assert course.superseded_by == replacement
    event = Event.objects.get(subject_type="course", action="updated")
    assert event.data["units"] == ["BSBOLD101", "BSBNEW101"]
    page = rto_admin_client.get(reverse("training:course_list")).content.decode()
    assert "Superseded by BSB40120" in page


def test_a_course_cannot_be_superseded_by_itself(rto_admin_client):
    course = course_make("BSB40120")

    response = rto_admin_client.post(
        reverse("training:course_edit", args=[course.pk]), _course(superseded_by=str(course.pk))
    )

    assert "Select a valid choice" in response.content.decode()
    course.refresh_from_db()
    assert course.superseded_by is None


def test_course_list_filters_by_type_and_search(rto_user_client):
    course_make("BSB40120", title="Certificate IV in Business")
    course_make(
        "BSBSS00123", title="Entrepreneurship Skill Set", course_type="skill_set", aqf_level=None
    )

    qualifications = rto_user_client.get(
        reverse("training:course_list"), {"type": "qualification"}
    ).content.decode()
    searched = rto_user_client.get(
        reverse("training:course_list"), {"q": "entrepreneur"}
    ).content.decode()
    bad_type = rto_user_client.get(reverse("training:course_list"), {"type": "bogus"})

    assert "BSB40120" in qualifications and "BSBSS00123" not in qualifications
    assert "BSBSS00123" in searched and "BSB40120" not in searched
    assert bad_type.status_code == 200


def test_course_detail_lists_units_and_offers(rto_user_client):
    course = course_make("BSB40120", units=[unit_make("BSBWHS411", title="WHS policies")])
    offer_make(course, code="BSB4-2026-T1")

    page = rto_user_client.get(reverse("training:course_detail", args=[course.pk])).content.decode()

    assert "BSBWHS411" in page and "WHS policies" in page
    assert "BSB4-2026-T1" in page
    assert "02/02/2026" in page


def test_users_may_view_courses_but_not_add_or_change_them(rto_user_client):
    course = course_make("BSB40120")

    assert rto_user_client.get(reverse("training:course_list")).status_code == 200
    assert rto_user_client.post(CREATE, _course(code="BSB50120")).status_code == 403
    edit = reverse("training:course_edit", args=[course.pk])
    assert rto_user_client.post(edit, _course(title="Changed")).status_code == 403
    assert not Course.objects.filter(code="BSB50120").exists()
