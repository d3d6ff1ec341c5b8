from django.urls import path

from testamur.qualifications.views import enrolments, qualifications, rules

app_name = "qualifications"

urlpatterns = [
    path("", qualifications.qualification_list, name="list"),
    path("<int:pk>/", qualifications.detail, name="detail"),
    path("<int:pk>/bulk/", qualifications.bulk, name="bulk"),
    path("<int:pk>/credentials/", qualifications.credentials, name="credentials"),
    path("<int:pk>/rules/", qualifications.rules, name="rules"),
    path("<int:pk>/rules/download/", qualifications.rules_download, name="rules_download"),
    path("<int:pk>/rules/edit/", rules.rule_edit, name="rule_edit"),
    path("<int:pk>/rules/load/", rules.rule_load, name="rule_load"),
    path("<int:pk>/rules/groups/new/", rules.rules_group_add, name="rules_group_add"),
    path("<int:pk>/rules/majors/new/", rules.rules_major_add, name="rules_major_add"),
    path(
        "<int:pk>/rules/equivalences/new/",
        rules.rules_equivalence_add,
        name="rules_equivalence_add",
    ),
    path("groups/<int:pk>/edit/", rules.group_edit, name="group_edit"),
    path("groups/<int:pk>/delete/", rules.group_delete, name="group_delete"),
    path("majors/<int:pk>/edit/", rules.major_edit, name="major_edit"),
    path("majors/<int:pk>/delete/", rules.major_delete, name="major_delete"),
    path("equivalences/<int:pk>/delete/", rules.equivalence_delete, name="equivalence_delete"),
    # The learner's Qualifications tab.
    path("learner/<int:pk>/", enrolments.learner_qualifications, name="learner_qualifications"),
    path("enrolments/new/", enrolments.enrolment_create, name="enrolment_create"),
    path("enrolments/<int:pk>/", enrolments.enrolment_detail, name="enrolment_detail"),
    path("enrolments/<int:pk>/audit/", enrolments.enrolment_audit, name="enrolment_audit"),
    path(
        "enrolments/<int:pk>/switch-major/",
        enrolments.enrolment_switch_major,
        name="enrolment_switch_major",
    ),
    path(
        "enrolments/<int:pk>/transition/",
        enrolments.enrolment_transition,
        name="enrolment_transition",
    ),
]
