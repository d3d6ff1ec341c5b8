from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "testamur.demo"
    label = "demo"
    verbose_name = "Demo data"
