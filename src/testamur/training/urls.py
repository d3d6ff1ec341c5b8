from django.urls import path

from testamur.training.views import courses, enrolments, finalisation, locations, offers, units

app_name = "training"

urlpatterns = [
    path("units/", units.unit_list, name="unit_list"),
    path("units/new/", units.unit_create, name="unit_create"),
    path("units/<int:pk>/edit/", units.unit_edit, name="unit_edit"),
    path("courses/", courses.course_list, name="course_list"),
    path("courses/new/", courses.course_create, name="course_create"),
    path("courses/<int:pk>/", courses.course_detail, name="course_detail"),
    path("courses/<int:pk>/edit/", courses.course_edit, name="course_edit"),
    path("locations/", locations.location_list, name="location_list"),
    path("locations/new/", locations.location_create, name="location_create"),
    path("locations/<int:pk>/edit/", locations.location_edit, name="location_edit"),
    path("offers/", offers.offer_list, name="offer_list"),
    path("offers/new/", offers.offer_create, name="offer_create"),
    path("offers/<int:pk>/", offers.offer_detail, name="offer_detail"),
    path("offers/<int:pk>/edit/", offers.offer_edit, name="offer_edit"),
    path("offers/<int:pk>/bulk/", offers.offer_bulk, name="offer_bulk"),
    path("offers/<int:pk>/enrol/", offers.offer_enrol, name="offer_enrol"),
    path("offers/<int:pk>/finalise/", finalisation.offer_finalise, name="offer_finalise"),
    path(
        "offers/<int:pk>/unit-outcomes/",
        finalisation.offer_unit_outcomes,
        name="offer_unit_outcomes",
    ),
    path("enrolments/new/", enrolments.enrolment_create, name="enrolment_create"),
    path("enrolments/<int:pk>/", enrolments.enrolment_detail, name="enrolment_detail"),
    path("enrolments/<int:pk>/edit/", enrolments.enrolment_edit, name="enrolment_edit"),
    path(
        "enrolments/<int:pk>/finalise/",
        finalisation.enrolment_finalise,
        name="enrolment_finalise",
    ),
    path(
        "enrolments/<int:pk>/checklist/",
        finalisation.enrolment_checklist,
        name="enrolment_checklist",
    ),
    path(
        "enrolments/<int:pk>/transition/",
        finalisation.enrolment_transition,
        name="enrolment_transition",
    ),
    path(
        "enrolments/<int:pk>/units/new/",
        enrolments.unit_enrolment_create,
        name="unit_enrolment_create",
    ),
    path(
        "unit-enrolments/<int:pk>/edit/", enrolments.unit_enrolment_edit, name="unit_enrolment_edit"
    ),
    path("outcome-codes/", units.outcome_code_list, name="outcome_code_list"),
]
