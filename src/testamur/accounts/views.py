from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render

from testamur.accounts import services
from testamur.accounts.forms import UserCreateForm, UserEditForm
from testamur.accounts.models import User
from testamur.accounts.roles import Role
from testamur.accounts.selectors import user_list as user_list_query
from testamur.core.permissions import require_login, require_permission
from testamur.core.ratelimit import rate_limited

USER_CREATED = "Staff account {username} created."
USER_SAVED = "Staff account {username} saved."
PASSWORD_SET = "New password set for {username}. Let them know it securely."  # noqa: S105
PASSWORD_CHANGED = "Your password has been changed."  # noqa: S105


def _posted(request):
    """The submitted data for a POST, even an empty one; None so a GET shows no errors."""
    return request.POST if request.method == "POST" else None


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@require_permission("accounts.view_user")
def user_list(request):
    return render(request, "accounts/user_list.html", {"users": user_list_query()})


@require_permission("accounts.add_user")
def user_create(request):
    form = UserCreateForm(_posted(request), initial={"role": Role.USER.value})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_create(
                username=data["username"],
                role=Role(data["role"]),
                password=data["password1"],
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                actor=request.user,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, USER_CREATED.format(username=user.username))
            return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {"form": form, "account": None})


@require_permission("accounts.change_user")
def user_edit(request, pk: int):
    account = get_object_or_404(User, pk=pk)
    form = UserEditForm.for_user(account, _posted(request))
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "role": Role(form.cleaned_data["role"])}
        try:
            account = services.user_update(user=account, actor=request.user, **data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, USER_SAVED.format(username=account.username))
            # An Owner who has just given up the Owner role can no longer see the staff list.
            if account.pk == request.user.pk and account.role != Role.OWNER:
                return redirect("home")
            return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {"form": form, "account": account})


@require_permission("accounts.change_user")
def user_set_password(request, pk: int):
    account = get_object_or_404(User, pk=pk)
    form = SetPasswordForm(account, _posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.user_set_password(
                user=account, password=form.cleaned_data["new_password1"], actor=request.user
            )
        except ValidationError as exc:
            form.add_error("new_password2", exc)
        else:
            if account.pk == request.user.pk:
                update_session_auth_hash(request, account)
            messages.success(request, PASSWORD_SET.format(username=account.username))
            return redirect("accounts:user_edit", pk=account.pk)
    return render(request, "accounts/user_set_password.html", {"form": form, "account": account})


@require_login
@rate_limited("password", methods=("POST",), per_user=True)  # someone guessing the old one
def password_change(request):
    form = PasswordChangeForm(request.user, _posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.user_set_password(
                user=request.user, password=form.cleaned_data["new_password1"], actor=request.user
            )
        except ValidationError as exc:
            form.add_error("new_password2", exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, PASSWORD_CHANGED)
            return redirect("home")
    return render(request, "accounts/password_change.html", {"form": form})
