from django.apps import AppConfig


class CredentialsConfig(AppConfig):
    name = "testamur.credentials"
    label = "credentials"
    verbose_name = "Credentials"
