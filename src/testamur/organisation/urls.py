from django.urls import path

from testamur.organisation import views

app_name = "organisation"

urlpatterns = [
    path("", views.settings_edit, name="settings"),
    path(
        "credential-number-example/",
        views.credential_number_example,
        name="credential_number_example",
    ),
    path("logo/", views.logo, name="logo"),
    path("logo/nrt/", views.official_logo, {"which": "nrt"}, name="nrt_logo"),
    path("logo/aqf/", views.official_logo, {"which": "aqf"}, name="aqf_logo"),
    path("signing-key/", views.signing_key, name="signing_key"),
    path("signatories/", views.signatory_list, name="signatory_list"),
    path("signatories/new/", views.signatory_create, name="signatory_create"),
    path("signatories/<int:pk>/", views.signatory_edit, name="signatory_edit"),
    path("signatories/<int:pk>/signature/", views.signature_image, name="signature_image"),
]
