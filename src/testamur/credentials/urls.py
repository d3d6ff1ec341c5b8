from django.urls import path

from testamur.credentials.views import (
    credential,
    emails,
    lifecycle,
    register,
    requests,
    runs,
    templates,
)

app_name = "credentials"

urlpatterns = [
    path("", register.register, name="register"),
    path("bulk/", register.bulk, name="bulk"),
    path("request/enrolment/<int:pk>/", requests.request_credential, name="request"),
    path("request/offer/<int:pk>/", requests.request_bulk, name="request_bulk"),
    path("issue/", lifecycle.issue, name="issue"),
    path("cancel/", lifecycle.cancel_bulk, name="cancel_bulk"),
    path("<int:pk>/", credential.detail, name="detail"),
    path("<int:pk>/preview/", credential.preview, name="preview"),
    path("<int:pk>/draft/", credential.draft, name="draft"),
    path("<int:pk>/reprint/", credential.reprint, name="reprint"),
    path("<int:pk>/regenerate/", lifecycle.regenerate, name="regenerate"),
    path("<int:pk>/cancel/", lifecycle.cancel, name="cancel"),
    path("<int:pk>/reissue/", lifecycle.reissue, name="reissue"),
    path("<int:pk>/delete/", lifecycle.delete, name="delete"),
    path("<int:pk>/email/", emails.send, name="email"),
    path("emails/", emails.email_list, name="email_list"),
    path("emails/template/", emails.email_template, name="email_template"),
    path("emails/send-failed-again/", emails.resend_failed, name="email_resend_failed"),
    path("emails/<int:pk>/send-again/", emails.resend, name="email_resend"),
    path("runs/", runs.run_list, name="run_list"),
    path("runs/<int:pk>/", runs.run_detail, name="run_detail"),
    path("runs/<int:pk>/progress/", runs.run_progress, name="run_progress"),
    path("runs/<int:pk>/file/", runs.run_file, name="run_file"),
    path("runs/<int:pk>/again/", runs.run_again, name="run_again"),
    path("templates/", templates.template_list, name="template_list"),
    path("templates/new/", templates.template_create, name="template_create"),
    path("templates/<int:pk>/", templates.template_detail, name="template_detail"),
    path("templates/<int:pk>/settings/", templates.template_settings, name="template_settings"),
    path("templates/<int:pk>/copy/", templates.template_copy, name="template_copy"),
    path("templates/<int:pk>/edit/", templates.template_edit, name="template_edit"),
    path("templates/<int:pk>/preview/", templates.template_preview, name="template_preview"),
    path("templates/versions/<int:pk>/", templates.template_version, name="template_version"),
    path(
        "templates/versions/<int:pk>/activate/",
        templates.template_version_activate,
        name="template_version_activate",
    ),
    path(
        "templates/versions/<int:pk>/files/",
        templates.template_asset_upload,
        name="template_asset_upload",
    ),
    path("templates/files/<int:pk>/", templates.template_asset, name="template_asset"),
    path(
        "templates/files/<int:pk>/remove/",
        templates.template_asset_delete,
        name="template_asset_delete",
    ),
]
