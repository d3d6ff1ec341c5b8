from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "testamur.training"
    label = "training"
    verbose_name = "Training"
