from django.urls import path

from testamur.interchange import views

app_name = "interchange"

urlpatterns = [
    path("import/", views.import_home, name="import"),
    path("import/<int:pk>/", views.job_detail, name="job_detail"),
    path("import/<int:pk>/columns/", views.job_columns, name="job_columns"),
    path("import/<int:pk>/progress/", views.job_progress, name="job_progress"),
    path("import/<int:pk>/run/", views.job_run, name="job_run"),
    path("avetmiss/", views.avetmiss_export, name="avetmiss_export"),
]
