from django.apps import AppConfig


class InterchangeConfig(AppConfig):
    name = "testamur.interchange"
    label = "interchange"
    verbose_name = "Imports and AVETMISS files"

    def ready(self):
        from testamur.credentials.register_checks import register_check_add
        from testamur.interchange.register_checks import nat00130_check

        register_check_add(nat00130_check)
