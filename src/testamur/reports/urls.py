from django.urls import path

from testamur.reports import export_views, views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("register/", views.register_report, name="register"),
    path("register/csv/", views.register_csv, name="register_csv"),
    path("register/xlsx/", export_views.register_xlsx, name="register_xlsx"),
    path("register/exports/", export_views.export_list, name="export_list"),
    path("register/exports/<int:pk>/", export_views.export_detail, name="export_detail"),
    path(
        "register/exports/<int:pk>/progress/",
        export_views.export_progress,
        name="export_progress",
    ),
    path("register/exports/<int:pk>/file/", export_views.export_file, name="export_file"),
    path("register/exports/<int:pk>/again/", export_views.export_again, name="export_again"),
    path("register/pdf/", views.register_pdf, name="register_pdf"),
    path("register/checkpoint/", views.register_checkpoint, name="register_checkpoint"),
    path("clock/", views.clock, name="clock"),
    path("clock/send/", views.clock_send, name="clock_send"),
]
