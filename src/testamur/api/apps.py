from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "testamur.api"
    label = "api"
    verbose_name = "REST API"
