from django.apps import AppConfig


class InterchangeConfig(AppConfig):
    name = "testamur.interchange"
    label = "interchange"
    verbose_name = "Imports and AVETMISS files"
