from django.contrib.auth.models import AbstractUser

from testamur.accounts.roles import Role


class User(AbstractUser):
    """A staff member of the RTO. Their role is the one role group they belong to."""

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    @property
    def role(self) -> Role | None:
        names = {g.name for g in self.groups.all()}
        for role in (Role.OWNER, Role.ADMIN, Role.USER):
            if role.value in names:
                return role
        return None

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    def __str__(self) -> str:
        return self.display_name
