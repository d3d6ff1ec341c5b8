from django.apps import AppConfig


class QualificationsConfig(AppConfig):
    name = "testamur.qualifications"
    label = "qualifications"
    verbose_name = "Qualifications"
