"""Staff accounts: create, change role, deactivate. Only Owners reach these through the UI."""

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction

from testamur.accounts.models import User
from testamur.accounts.roles import Role
from testamur.core.events import event_record

LAST_OWNER = "The organisation must keep at least one active Owner."


@transaction.atomic
def user_create(
    *,
    username: str,
    role: Role,
    password: str | None = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    actor: User | None = None,
) -> User:
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    user.groups.set([Group.objects.get(name=Role(role).value)])
    event_record(
        actor=actor, subject_type="user", subject_id=user.pk, action="created", to_state=role
    )
    return user


def _active_owner_count(exclude: User) -> int:
    return (
        User.objects.filter(is_active=True, groups__name=Role.OWNER.value)
        .exclude(pk=exclude.pk)
        .count()
    )


@transaction.atomic
def user_set_role(*, user: User, role: Role, actor: User) -> User:
    old = user.role
    if old == Role.OWNER and role != Role.OWNER and _active_owner_count(user) == 0:
        raise ValidationError(LAST_OWNER)
    user.groups.set([Group.objects.get(name=Role(role).value)])
    event_record(
        actor=actor,
        subject_type="user",
        subject_id=user.pk,
        action="role_changed",
        from_state=old or "",
        to_state=role,
    )
    return user


@transaction.atomic
def user_set_active(*, user: User, is_active: bool, actor: User) -> User:
    if not is_active and user.role == Role.OWNER and _active_owner_count(user) == 0:
        raise ValidationError(LAST_OWNER)
    user.is_active = is_active
    user.save(update_fields=["is_active"])
    event_record(
        actor=actor,
        subject_type="user",
        subject_id=user.pk,
        action="activated" if is_active else "deactivated",
    )
    return user
