"""Every view states the permission it needs; roles (accounts/roles.py) grant permissions."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def require_permission(*perms: str):
    """Anonymous users go to the login page; signed-in users without every perm get a 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.is_active or not request.user.has_perms(perms):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.required_permissions = perms
        return wrapped

    return decorator


def require_login(view):
    """For pages every signed-in role may see (home, own password)."""
    wrapped = require_permission()(view)
    return wrapped


def public(view):
    """For the few pages anyone may open without signing in (credential verification, the
    learner portal, which checks its own sign-in). Listed by name in the permission matrix."""
    view.required_permissions = ()
    view.is_public = True
    return view
