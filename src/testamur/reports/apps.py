from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "testamur.reports"
    label = "reports"
    verbose_name = "Reports"
