"""rows_update writes each object's own values, in one statement when they differ."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from testamur.accounts.models import User
from testamur.core.db import rows_update

pytestmark = pytest.mark.django_db


def test_rows_with_different_values_are_each_written_in_one_statement():
    users = [User.objects.create_user(f"user-{i}") for i in range(5)]
    when = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    for i, user in enumerate(users):
        user.first_name = f"Name {i} ‘quoted’ O'Brien"
        user.last_login = when if i % 2 else None
        user.is_active = i != 3
    with CaptureQueriesContext(connection) as queries:
        assert rows_update(users, ["first_name", "last_login", "is_active"]) == 5
    assert len(queries) == 1
    stored = {u.username: u for u in User.objects.filter(username__startswith="user-")}
    for i in range(5):
        user = stored[f"user-{i}"]
        assert user.first_name == f"Name {i} ‘quoted’ O'Brien"
        assert user.last_login == (when if i % 2 else None)
        assert user.is_active is (i != 3)


def test_rows_sharing_their_values_share_one_update_and_others_are_untouched():
    users = [User.objects.create_user(f"same-{i}", first_name="Old") for i in range(4)]
    for user in users[:3]:
        user.first_name = "New"
    assert rows_update(users[:3], ["first_name"]) == 3
    names = dict(
        User.objects.filter(username__startswith="same-").values_list("username", "first_name")
    )
    assert names == {"same-0": "New", "same-1": "New", "same-2": "New", "same-3": "Old"}
