from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "testamur.core"
    label = "core"
    verbose_name = "Core"
