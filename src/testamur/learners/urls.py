from django.urls import path

from testamur.learners import views
from testamur.learners.usi_registry import views as registry

app_name = "learners"

urlpatterns = [
    path("", views.learner_list_view, name="list"),
    path("new/", views.learner_create_view, name="create"),
    path("picker/", views.learner_picker_view, name="picker"),
    path("<int:pk>/", views.learner_detail_view, name="detail"),
    path("<int:pk>/edit/", views.learner_edit_view, name="edit"),
    path("<int:pk>/enrolments/", views.learner_enrolments_view, name="enrolments"),
    path("<int:pk>/credentials/", views.learner_credentials_view, name="credentials"),
    path("<int:pk>/history/", views.learner_history_view, name="history"),
    path("<int:pk>/verify-usi/", views.learner_verify_usi_view, name="verify_usi"),
    path("<int:pk>/active/", views.learner_toggle_active_view, name="toggle_active"),
    path("<int:pk>/verify-usi/registry/", registry.learner_registry_verify, name="registry_verify"),
    path("usi-verification/", registry.learners_registry_verify, name="registry_verify_list"),
    path("usi-verification/jobs/", registry.usi_job_list, name="usi_jobs"),
    path("usi-verification/jobs/<int:pk>/", registry.usi_job_detail, name="usi_job"),
    path("usi-verification/jobs/<int:pk>/send/", registry.usi_job_send, name="usi_job_send"),
]
