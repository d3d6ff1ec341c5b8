"""Sign-in lockout (django-axes) for every sign-in made by a request."""

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' check before the password is tried. `authenticate()` called without a
    request (a management command, a test client's login) has no address to lock out."""

    def authenticate(self, request=None, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
