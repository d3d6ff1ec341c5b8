"""The catalogue: units, courses, delivery locations and course offers."""

from datetime import date

from django.db import transaction

from testamur.training.models import (
    Course,
    CourseOffer,
    CourseType,
    DeliveryLocation,
    Unit,
)
from testamur.training.services.common import (
    _coded_save,
    _event,
    _model_update,
    _record_save,
)

UNIT_CODE_TAKEN = "A unit with code {code} already exists."
COURSE_CODE_TAKEN = "A course with code {code} already exists."
LOCATION_CODE_TAKEN = "A delivery location with ID {code} already exists."
OFFER_CODE_TAKEN = "A course offer with code {code} already exists."
AQF_LEVEL_ONLY_FOR_QUALIFICATIONS = (
    "Only a qualification has an AQF level. Clear the AQF level or change the type."
)
COURSE_SUPERSEDES_ITSELF = "A course cannot be superseded by itself."
OFFER_ENDS_BEFORE_START = "The end date must be on or after the start date."
UNIT_FIELDS = ["code", "title", "nominal_hours", "field_of_education", "is_vet"]
COURSE_FIELDS = [
    "code",
    "title",
    "course_type",
    "aqf_level",
    "nominal_hours",
    "superseded_by",
    "is_active",
]
LOCATION_FIELDS = ["code", "name", "suburb", "state", "postcode"]
OFFER_FIELDS = ["course", "code", "start_date", "end_date", "location", "trainer"]


# Units


@transaction.atomic
def unit_create(
    *,
    actor,
    code: str,
    title: str,
    nominal_hours: int = 0,
    field_of_education: str = "",
    is_vet: bool = True,
) -> Unit:
    unit = Unit(
        code=code,
        title=title,
        nominal_hours=nominal_hours,
        field_of_education=field_of_education,
        is_vet=is_vet,
    )
    return _record_save(
        unit, actor=actor, action="created", changes={"code": code}, taken=UNIT_CODE_TAKEN
    )


@transaction.atomic
def unit_update(*, unit: Unit, actor, data: dict) -> Unit:
    changes = _model_update(instance=unit, fields=UNIT_FIELDS, data=data)
    return _record_save(unit, actor=actor, action="updated", changes=changes, taken=UNIT_CODE_TAKEN)


# Courses


def _course_save(*, course: Course, actor, action: str, changes: dict, units=None) -> Course:
    errors = {}
    if course.aqf_level is not None and course.course_type != CourseType.QUALIFICATION:
        errors["aqf_level"] = AQF_LEVEL_ONLY_FOR_QUALIFICATIONS
    if course.pk and course.superseded_by_id == course.pk:
        errors["superseded_by"] = COURSE_SUPERSEDES_ITSELF
    _coded_save(course, taken=COURSE_CODE_TAKEN, errors=errors)
    if units is not None:
        old_codes = sorted(course.units.values_list("code", flat=True))
        new_codes = sorted(u.code for u in units)
        if old_codes != new_codes:
            course.units.set(units)
            changes["units"] = [" ".join(old_codes), " ".join(new_codes)]
    _event(actor=actor, subject=course, action=action, data=changes)
    return course


@transaction.atomic
def course_create(
    *,
    actor,
    code: str,
    title: str,
    course_type: str = CourseType.QUALIFICATION,
    aqf_level: int | None = None,
    nominal_hours: int = 0,
    superseded_by: Course | None = None,
    is_active: bool = True,
    units=(),
) -> Course:
    course = Course(
        code=code,
        title=title,
        course_type=course_type,
        aqf_level=aqf_level,
        nominal_hours=nominal_hours,
        superseded_by=superseded_by,
        is_active=is_active,
    )
    return _course_save(
        course=course, actor=actor, action="created", changes={"code": code}, units=list(units)
    )


@transaction.atomic
def course_update(*, course: Course, actor, data: dict) -> Course:
    """`data` may hold "units" (an iterable of Unit) to replace the course's units."""
    changes = _model_update(instance=course, fields=COURSE_FIELDS, data=data)
    units = list(data["units"]) if "units" in data else None
    return _course_save(course=course, actor=actor, action="updated", changes=changes, units=units)


# Delivery locations


@transaction.atomic
def location_create(
    *, actor, code: str, name: str, suburb: str, state: str, postcode: str
) -> DeliveryLocation:
    location = DeliveryLocation(code=code, name=name, suburb=suburb, state=state, postcode=postcode)
    return _record_save(
        location, actor=actor, action="created", changes={"code": code}, taken=LOCATION_CODE_TAKEN
    )


@transaction.atomic
def location_update(*, location: DeliveryLocation, actor, data: dict) -> DeliveryLocation:
    changes = _model_update(instance=location, fields=LOCATION_FIELDS, data=data)
    return _record_save(
        location, actor=actor, action="updated", changes=changes, taken=LOCATION_CODE_TAKEN
    )


# Course offers


def _offer_save(*, offer: CourseOffer, actor, action: str, changes: dict) -> CourseOffer:
    errors = {}
    if offer.start_date and offer.end_date and offer.end_date < offer.start_date:
        errors["end_date"] = OFFER_ENDS_BEFORE_START
    return _record_save(
        offer, actor=actor, action=action, changes=changes, taken=OFFER_CODE_TAKEN, errors=errors
    )


@transaction.atomic
def offer_create(
    *,
    actor,
    course: Course,
    code: str,
    start_date: date,
    end_date: date,
    location: DeliveryLocation | None = None,
    trainer: str = "",
) -> CourseOffer:
    offer = CourseOffer(
        course=course,
        code=code,
        start_date=start_date,
        end_date=end_date,
        location=location,
        trainer=trainer,
    )
    return _offer_save(offer=offer, actor=actor, action="created", changes={"code": code})


@transaction.atomic
def offer_update(*, offer: CourseOffer, actor, data: dict) -> CourseOffer:
    changes = _model_update(instance=offer, fields=OFFER_FIELDS, data=data)
    return _offer_save(offer=offer, actor=actor, action="updated", changes=changes)
