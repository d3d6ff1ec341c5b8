from django.urls import path

from testamur.core import views

app_name = "core"

urlpatterns = [
    path("", views.integrity, name="integrity"),
    path("check/", views.integrity_verify, name="integrity_verify"),
    path("check/<int:pk>/", views.integrity_progress, name="integrity_progress"),
    path("checkpoint/", views.integrity_checkpoint, name="integrity_checkpoint"),
    path("checkpoints/<str:name>", views.checkpoint_file, name="checkpoint_file"),
]
