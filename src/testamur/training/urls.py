from django.urls import path

from testamur.training import views

app_name = "training"

urlpatterns = [
    path("units/", views.unit_list, name="unit_list"),
    path("units/new/", views.unit_create, name="unit_create"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("courses/", views.course_list, name="course_list"),
    path("courses/new/", views.course_create, name="course_create"),
    path("courses/<int:pk>/", views.course_detail, name="course_detail"),
    path("courses/<int:pk>/edit/", views.course_edit, name="course_edit"),
    path("locations/", views.location_list, name="location_list"),
    path("locations/new/", views.location_create, name="location_create"),
    path("locations/<int:pk>/edit/", views.location_edit, name="location_edit"),
    path("offers/", views.offer_list, name="offer_list"),
    path("offers/new/", views.offer_create, name="offer_create"),
    path("offers/<int:pk>/", views.offer_detail, name="offer_detail"),
    path("offers/<int:pk>/edit/", views.offer_edit, name="offer_edit"),
    path("offers/<int:pk>/bulk/", views.offer_bulk, name="offer_bulk"),
    path("offers/<int:pk>/enrol/", views.offer_enrol, name="offer_enrol"),
    path("enrolments/new/", views.enrolment_create, name="enrolment_create"),
    path("enrolments/<int:pk>/", views.enrolment_detail, name="enrolment_detail"),
    path("enrolments/<int:pk>/edit/", views.enrolment_edit, name="enrolment_edit"),
    path(
        "enrolments/<int:pk>/units/new/",
        views.unit_enrolment_create,
        name="unit_enrolment_create",
    ),
    path("unit-enrolments/<int:pk>/edit/", views.unit_enrolment_edit, name="unit_enrolment_edit"),
    path("outcome-codes/", views.outcome_code_list, name="outcome_code_list"),
]
