"""API tokens page: each staff member creates and revokes their own tokens."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from testamur.api import services
from testamur.api.forms import ApiTokenForm
from testamur.api.models import ApiToken
from testamur.api.selectors import api_tokens_of
from testamur.core.forms import form_add_service_errors
from testamur.core.permissions import require_permission

TOKEN_REVOKED = "Revoked the token {name}. Anything still using it now gets 401 Unauthorized."  # noqa: S105


def _page(request, form, status=200, **extra):
    context = {
        "form": form,
        "tokens": api_tokens_of(user=request.user),
        "docs_url": reverse("api-v1:openapi-view"),
        **extra,
    }
    return render(request, "api/token_list.html", context, status=status)


@require_permission("api.view_apitoken", "api.add_apitoken")
def token_list(request):
    form = ApiTokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = services.api_token_create(
                user=request.user, name=form.cleaned_data["name"]
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            # Shown on this response only: the secret is in no redirect, message or log.
            response = _page(request, ApiTokenForm(), created=token, secret=secret)
            response["Cache-Control"] = "no-store"
            return response
    return _page(request, form)


@require_permission("api.change_apitoken")
@require_POST
def token_revoke(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    try:
        services.api_token_revoke(token=token, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, TOKEN_REVOKED.format(name=token.name))
    return redirect("api:token_list")
