from django.apps import AppConfig


class LearnersConfig(AppConfig):
    name = "testamur.learners"
    label = "learners"
    verbose_name = "Learners"
