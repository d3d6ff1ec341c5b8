from django.db.models import F, QuerySet

from testamur.api.models import ApiToken


def api_tokens_of(*, user) -> QuerySet[ApiToken]:
    """A staff member's tokens, active first, newest first."""
    return ApiToken.objects.filter(user=user).order_by(
        F("revoked_at").asc(nulls_first=True), "-created_at", "-id"
    )
