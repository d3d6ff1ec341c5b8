from django.urls import path

from testamur.verification.views import badges, portal, public, verifier

app_name = "verification"

urlpatterns = [
    path("v/", public.verify_lookup, name="lookup"),
    path("v/<str:code>", public.verify, name="verify"),
    path("v/<str:code>/open-badge.json", public.verify_vc, name="verify_vc"),
    path("verify/", verifier.verifier_page, name="verifier"),
    path("credentials/verify", verifier.credentials_verify, name="credentials_verify"),
    path("v/<str:code>/open-badge.<str:image_format>", badges.verify_badge, name="verify_badge"),
    path("vc/issuer", public.issuer, name="issuer"),
    path(".well-known/did.json", public.did_document, name="did_document"),
    path("did.json", public.did_document, name="did_document_under_path"),
    path("vc/status/<str:purpose>/<int:number>", public.status_list, name="status_list"),
    path("portal/", portal.portal_start, name="portal_start"),
    path("portal/sign-in/<str:token>/", portal.portal_redeem, name="portal_redeem"),
    path("portal/credentials/", portal.portal_home, name="portal_home"),
    path("portal/credentials/<int:pk>/document/", portal.portal_document, name="portal_document"),
    path("portal/credentials/<int:pk>/open-badge.json", portal.portal_vc, name="portal_vc"),
    path(
        "portal/credentials/<int:pk>/open-badge.<str:image_format>",
        badges.portal_badge,
        name="portal_badge",
    ),
    path("portal/email-consent/", portal.portal_email_consent, name="portal_email_consent"),
    path("portal/sign-out/", portal.portal_sign_out, name="portal_sign_out"),
]
