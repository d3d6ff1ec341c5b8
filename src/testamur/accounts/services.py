"""Staff accounts: create, edit, change role, deactivate, set passwords.

Only Owners reach these through the UI, except changing one's own password.
"""

from django.contrib.auth import password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction

from testamur.accounts.models import User
from testamur.accounts.roles import Role
from testamur.core.events import event_record

LAST_OWNER = "The organisation must keep at least one active Owner."
CANNOT_DEACTIVATE_SELF = "You cannot deactivate your own account. Ask another Owner to do it."


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


@transaction.atomic
def user_update(
    *,
    user: User,
    actor: User,
    first_name: str,
    last_name: str,
    email: str,
    role: Role,
    is_active: bool,
) -> User:
    """Change a staff member's details, role and active flag together: all or nothing."""
    user = User.objects.select_for_update().get(pk=user.pk)
    changed = []
    for field, value in (("first_name", first_name), ("last_name", last_name), ("email", email)):
        if getattr(user, field) != value:
            setattr(user, field, value)
            changed.append(field)
    if changed:
        user.full_clean()
        user.save(update_fields=changed)
        event_record(
            actor=actor,
            subject_type="user",
            subject_id=user.pk,
            action="updated",
            data={"fields": changed},
        )
    if Role(role) != user.role:
        try:
            user_set_role(user=user, role=Role(role), actor=actor)
        except ValidationError as exc:
            raise ValidationError({"role": exc.messages}) from exc
    if is_active != user.is_active:
        if not is_active and user.pk == actor.pk:
            raise ValidationError({"is_active": [CANNOT_DEACTIVATE_SELF]})
        try:
            user_set_active(user=user, is_active=is_active, actor=actor)
        except ValidationError as exc:
            raise ValidationError({"is_active": exc.messages}) from exc
    return user


@transaction.atomic
def user_set_password(*, user: User, password: str, actor: User) -> User:
    """Set a new password after Django's password validators accept it."""
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    event_record(
        actor=actor,
        subject_type="user",
        subject_id=user.pk,
        action="password_changed" if actor.pk == user.pk else "password_set",
    )
    return user
