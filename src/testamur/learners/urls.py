from django.urls import path

app_name = "learners"

urlpatterns: list = []
