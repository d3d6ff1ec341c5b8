from django.apps import AppConfig


class OrganisationConfig(AppConfig):
    name = "testamur.organisation"
    label = "organisation"
    verbose_name = "Organisation"
