from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from testamur.api.api import api
from testamur.core import views as core_views
from testamur.reports import views as reports_views

urlpatterns = [
    path("", reports_views.home, name="home"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("testamur.accounts.urls")),
    path("settings/integrity/", include("testamur.core.urls")),
    path("settings/", include("testamur.organisation.urls")),
    path("learners/", include("testamur.learners.urls")),
    path("training/", include("testamur.training.urls")),
    path("qualifications/", include("testamur.qualifications.urls")),
    # W3C VC-API issue (bearer tokens only), beside the staff pages' credentials/ paths.
    path("credentials/", include("testamur.api.vc_api")),
    path("credentials/", include("testamur.credentials.urls")),
    path("accounts/api-tokens/", include("testamur.api.urls")),
    path("api/v1/", api.urls),
    path("", include("testamur.verification.urls")),
    path("reports/", include("testamur.reports.urls")),
    path("", include("testamur.interchange.urls")),
]

if settings.ADMIN_ENABLED:
    urlpatterns.append(path("admin/", admin.site.urls))

handler403 = "testamur.core.views.permission_denied"
handler404 = "testamur.core.views.page_not_found"
handler500 = "testamur.core.views.server_error"
