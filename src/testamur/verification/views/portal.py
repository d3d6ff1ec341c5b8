"""The learner portal: sign in with an emailed one-time link, see and download your own
issued credentials. Learners are not staff users: the portal keeps its own session key and
never touches Django's authentication, so no staff page opens for a learner."""

import time
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from testamur.core.permissions import public
from testamur.core.ratelimit import rate_limited
from testamur.credentials.views.common import DocumentNotAsIssued, issued_document_response
from testamur.learners.models import EmailConsentSource, Learner
from testamur.learners.services import learner_email_consent_set
from testamur.organisation.models import Organisation
from testamur.verification import selectors, services, sharing, storage, tasks
from testamur.verification.forms import PortalEmailForm

SESSION_KEY = "testamur_portal"
SIGNED_OUT = "You have signed out of the learner portal."
BY_THE_LEARNER = "By the learner, in the learner portal."
EMAIL_CONSENT_GIVEN = (
    "Credentials issued to you from now on will carry your email address as a salted hash."
)
EMAIL_CONSENT_WITHDRAWN = (
    "Credentials issued to you from now on will not carry your email address. Those already "
    "issued keep what they were issued with."
)


def _session_age_limit() -> int:
    return getattr(settings, "PORTAL_SESSION_SECONDS", 8 * 60 * 60)


def portal_learner(request) -> Learner | None:
    """The signed-in learner, while the session is fresh and their access is still on."""
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    if time.time() - data.get("at", 0) > _session_age_limit():
        request.session.pop(SESSION_KEY, None)
        return None
    learner = Learner.objects.filter(pk=data.get("learner")).first()
    if learner is None or selectors.portal_access_disabled(learner):
        request.session.pop(SESSION_KEY, None)
        return None
    return learner


def learner_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        learner = portal_learner(request)
        if learner is None:
            return redirect("verification:portal_start")
        return view(request, learner, *args, **kwargs)

    return wrapped


@public
@require_http_methods(["GET", "POST"])
@rate_limited("portal", methods=("POST",))
def portal_start(request):
    """Ask for a sign-in link. The answer is the same whether or not the email is known."""
    if portal_learner(request):
        return redirect("verification:portal_home")
    form = PortalEmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Whether the address is known decides only what the worker sends, never this answer.
        tasks.send_portal_link.enqueue(email=form.cleaned_data["email"])
        return render(
            request,
            "verification/portal_link_sent.html",
            {"email": form.cleaned_data["email"], "organisation": Organisation.load()},
        )
    return render(
        request,
        "verification/portal_start.html",
        {"form": form, "organisation": Organisation.load()},
    )


@public
@require_http_methods(["GET", "POST"])
@rate_limited("verify")  # tokens are 256-bit random: this only bounds load, not guessing
def portal_redeem(request, token: str):
    """GET shows a button (mail scanners that open links must not use them up); POST signs in."""
    try:
        if request.method == "POST":
            learner = services.portal_link_redeem(token=token)
        else:
            services.portal_link_check(token)
    except services.PortalLinkError as error:
        context = {"problem": str(error), "form": PortalEmailForm()}
        return render(request, "verification/portal_link_problem.html", context, status=410)
    if request.method == "GET":
        return render(request, "verification/portal_redeem.html", {"token": token})
    request.session.cycle_key()
    request.session[SESSION_KEY] = {"learner": learner.pk, "at": time.time()}
    return redirect("verification:portal_home")


@public
@require_GET
@learner_required
def portal_home(request, learner):
    credentials = list(selectors.portal_credentials(learner))
    for credential in credentials:
        credential.linkedin_url = sharing.linkedin_add_url(
            selectors.credential_facts(credential.issuance),
            code=credential.issuance.verification_code,
        )
    context = {
        "learner": learner,
        "credentials": credentials,
        "organisation": Organisation.load(),
    }
    return render(request, "verification/portal_home.html", context)


def _own_credential(learner, pk: int):
    return get_object_or_404(selectors.portal_credentials(learner), pk=pk)


@public
@require_GET
@learner_required
def portal_document(request, learner, pk: int):
    credential = _own_credential(learner, pk)
    try:
        return issued_document_response(credential, attachment=True)
    except DocumentNotAsIssued as error:
        # The learner cannot fix it; the RTO sees why on the credential's Reprint.
        raise Http404 from error


@public
@require_GET
@learner_required
def portal_vc(request, learner, pk: int):
    credential = _own_credential(learner, pk)
    document = storage.signed_vc(credential)
    if document is None:
        raise Http404
    return storage.json_response(document, filename=storage.vc_filename(credential))


@public
@require_POST
@learner_required
def portal_email_consent(request, learner):
    """Give or withdraw consent to the email identifying the learner on digital credentials."""
    give = request.POST.get("consent") == "yes"
    source = EmailConsentSource.LEARNER_PORTAL if give else ""
    if give and learner.digital_credential_email_consent_at:
        source = learner.digital_credential_email_consent_source  # already given: keep it
    learner_email_consent_set(learner=learner, actor=None, source=source, reason=BY_THE_LEARNER)
    messages.success(request, EMAIL_CONSENT_GIVEN if give else EMAIL_CONSENT_WITHDRAWN)
    return redirect("verification:portal_home")


@public
@require_POST
def portal_sign_out(request):
    request.session.pop(SESSION_KEY, None)
    messages.info(request, SIGNED_OUT)
    return redirect("verification:portal_start")
