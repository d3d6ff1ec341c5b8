from django.urls import path

from testamur.learners import views
from testamur.qualifications.views.enrolments import learner_qualifications

app_name = "learners"

urlpatterns = [
    path("", views.learner_list_view, name="list"),
    path("new/", views.learner_create_view, name="create"),
    path("<int:pk>/", views.learner_detail_view, name="detail"),
    path("<int:pk>/edit/", views.learner_edit_view, name="edit"),
    path("<int:pk>/enrolments/", views.learner_enrolments_view, name="enrolments"),
    path("<int:pk>/qualifications/", learner_qualifications, name="qualifications"),
    path("<int:pk>/credentials/", views.learner_credentials_view, name="credentials"),
    path("<int:pk>/history/", views.learner_history_view, name="history"),
    path("<int:pk>/verify-usi/", views.learner_verify_usi_view, name="verify_usi"),
    path("<int:pk>/active/", views.learner_toggle_active_view, name="toggle_active"),
]
