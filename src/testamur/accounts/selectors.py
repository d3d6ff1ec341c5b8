from django.db.models import QuerySet

from testamur.accounts.models import User
from testamur.accounts.roles import Role


def user_list() -> QuerySet[User]:
    """Every staff account, groups prefetched so each row's role costs no query."""
    return User.objects.prefetch_related("groups").order_by("-is_active", "username")


def user_list_issuing_officers() -> QuerySet[User]:
    """Who may be the default issuing officer: active Admins and Owners (rule 6)."""
    return (
        User.objects.filter(is_active=True, groups__name__in=[Role.OWNER.value, Role.ADMIN.value])
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
