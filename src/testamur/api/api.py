"""The REST API, version 1, served at /api/v1/ with its OpenAPI schema and interactive docs."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from ninja import NinjaAPI

from testamur.api.auth import TokenAuth, token_user
from testamur.api.errors import UNAUTHORIZED, error_response, errors_install
from testamur.api.routers import credentials, learners, qualifications, reports, runs, training

DESCRIPTION = """
Testamur's API for student management systems, learning management systems and CRMs.

**Authentication.** Create a personal API token under *API tokens* (the account menu) and send
it with every request: `Authorization: Bearer <token>`. A token acts with its owner's role:
Users may request and preview credentials; only Admins and Owners issue and cancel them.

**Errors** are JSON: `{"detail": "...", "errors": [{"loc": [...], "msg": "...", "type": "..."}]}`
— 400 malformed JSON, 401 no valid token, 403 not allowed for your role, 404 not found,
409 conflict (the record changed, or the action is not possible in its current state),
413 body too large, 422 invalid input or a rule refused it (the reason is in `detail`).

**Lists** are paged: `?page=1&page_size=50` (at most 200); the answer holds `items`, `count`,
`page`, `page_size` and `pages`. The credential register and the register report, which may
hold millions of rows, page by cursor instead: pass a page's `next` as `?after=` (or its
`previous` as `?before=`); their `count` stops at 10,000 (`count_capped`).

**Retries.** POST operations that create or issue accept an `Idempotency-Key` header: a retry
with the same key returns the first response (marked `Idempotent-Replayed: true`) instead of
doing the work twice.
"""


def docs_access(view):
    """The schema and docs are for staff: signed in, or sending a valid token."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        session_user = request.user if request.user.is_authenticated else None
        if token_user(request) is None and not (session_user and session_user.is_active):
            if request.path.endswith(".json"):
                return error_response(401, UNAUTHORIZED)
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped


class TestamurApi(NinjaAPI):
    def get_openapi_operation_id(self, operation) -> str:
        # Short, stable names for generated clients: the view's name (unique in this API).
        return operation.view_func.__name__


api = TestamurApi(
    title="Testamur API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    auth=TokenAuth(),
    docs_decorator=docs_access,
)
errors_install(api)
api.add_router("", learners.router)
api.add_router("", training.router)
api.add_router("", qualifications.router)
api.add_router("", credentials.router)
api.add_router("", runs.router)
api.add_router("", reports.router)
