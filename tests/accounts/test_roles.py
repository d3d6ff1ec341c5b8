import pytest
from django.contrib.auth.models import Group

from testamur.accounts.roles import ROLE_PERMISSIONS, Role


def _held(group: Group) -> set[str]:
    return {
        f"{app}.{codename}"
        for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_each_role_group_holds_exactly_its_permissions(role, db):
    assert _held(Group.objects.get(name=role.value)) == set(ROLE_PERMISSIONS[role])


def test_each_role_builds_on_the_one_below(make_user):
    """What signed-in people may do, read from the database: each role adds to the one below."""
    user, admin, owner = (
        make_user(role).get_all_permissions() for role in (Role.USER, Role.ADMIN, Role.OWNER)
    )

    assert user < admin < owner
    assert "credentials.issue_credential" in admin - user
    assert "organisation.change_organisation" in owner - admin


@pytest.mark.parametrize(
    "role,may,may_not",
    [
        (Role.USER, "learners.change_learner", "training.add_unit"),
        (Role.ADMIN, "training.add_unit", "organisation.change_organisation"),
        (Role.OWNER, "accounts.add_user", None),
    ],
    ids=lambda v: getattr(v, "value", None),
)
def test_a_user_has_the_permissions_of_their_role(role, may, may_not, make_user):
    user = make_user(role)

    assert user.role == role
    assert user.has_perm(may)
    if may_not:
        assert not user.has_perm(may_not)
