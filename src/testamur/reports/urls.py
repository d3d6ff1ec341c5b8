from django.urls import path

from testamur.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("register/", views.register_report, name="register"),
    path("register/csv/", views.register_csv, name="register_csv"),
    path("register/xlsx/", views.register_xlsx, name="register_xlsx"),
    path("register/pdf/", views.register_pdf, name="register_pdf"),
    path("register/checkpoint/", views.register_checkpoint, name="register_checkpoint"),
    path("clock/", views.clock, name="clock"),
    path("clock/send/", views.clock_send, name="clock_send"),
]
