import itertools
import os

import pytest
from django.db.backends.base.operations import BaseDatabaseOperations
from django.test import Client

from testamur.accounts.roles import Role
from testamur.accounts.services import user_create
from testamur.core.db_guards import sqlite_guard_triggers

PASSWORD = "correct-horse-battery-staple"
_caches = itertools.count()

pytest_plugins = ["tests.usi_registry"]
_execute_sql_flush = BaseDatabaseOperations.execute_sql_flush


def _flush_past_the_guards(self, sql_list):
    """Transactional tests empty the database after each test, which is exactly what the
    register's guards refuse (TRUNCATE; DELETE of events and issued credentials): switch them
    off for the flush only. Production never flushes."""
    if self.connection.vendor == "postgresql":
        sql_list = ["SET LOCAL session_replication_role = replica", *sql_list]
    elif self.connection.vendor == "sqlite":
        triggers = sqlite_guard_triggers(self.connection)
        drops = [trigger.drop_sql() for trigger in triggers]
        sql_list = [*drops, *sql_list, *(trigger.create_sql() for trigger in triggers)]
    return _execute_sql_flush(self, sql_list)


BaseDatabaseOperations.execute_sql_flush = _flush_past_the_guards


def pytest_configure(config):
    # Under CI a missing PostgreSQL is a failure, not a silent fall-back to SQLite.
    url = os.environ.get("DATABASE_URL", "")
    wants_postgres = os.environ.get("TESTAMUR_REQUIRE_POSTGRES") == "1"
    if wants_postgres and not url.startswith("postgres"):
        raise pytest.UsageError("CI asked for PostgreSQL but DATABASE_URL is not a PostgreSQL URL")


ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")


def pytest_collection_modifyitems(config, items):
    if ON_POSTGRES:
        return
    skip = pytest.mark.skip(reason="PostgreSQL-only behaviour (triggers, row locks); CI runs it")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # The event log's checkpoint key and checkpoints: files of this test's own.
    settings.EVENT_LOG_KEY_FILE = tmp_path / "event-log-key.pem"
    settings.EVENT_LOG_CHECKPOINT_DIR = tmp_path / "checkpoints"
    # Fast hashing: tests create many users; the production hasher is Django's default.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Background tasks run inline in tests; one test drives a real `db_worker` process.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    # Rate-limit counters live in the cache: each test starts with an empty one of its own,
    # in memory (tests/core/test_rate_limits_across_processes.py runs the real shared caches).
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"test-{os.getpid()}-{next(_caches)}",
        }
    }


@pytest.fixture
def urls_rebuilt(settings):
    """urls_rebuilt(DEBUG=True, ADMIN_ENABLED=True): the URLs as those settings build them
    (urls.py reads them once, at import); rebuilt as they were afterwards."""
    import importlib

    from django.urls import clear_url_caches

    import testamur.urls

    def rebuild(**values):
        for name, value in values.items():
            setattr(settings, name, value)
        clear_url_caches()
        importlib.reload(testamur.urls)

    yield rebuild
    settings.DEBUG = False
    settings.ADMIN_ENABLED = False
    clear_url_caches()
    importlib.reload(testamur.urls)


@pytest.fixture
def make_user(db):
    def make(role: Role | str, username: str | None = None, **fields):
        role = Role(role)
        return user_create(
            username=username or f"{role.value.lower()}-{os.urandom(3).hex()}",
            role=role,
            password=PASSWORD,
            first_name=fields.pop("first_name", role.value),
            last_name=fields.pop("last_name", "Tester"),
            email=fields.pop("email", "staff@example.com"),
        )

    return make


@pytest.fixture
def owner(make_user):
    return make_user(Role.OWNER, "owner")


@pytest.fixture
def rto_admin(make_user):
    return make_user(Role.ADMIN, "rto-admin")


@pytest.fixture
def rto_user(make_user):
    return make_user(Role.USER, "rto-user")


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def owner_client(owner):
    return _client_for(owner)


@pytest.fixture
def rto_admin_client(rto_admin):
    return _client_for(rto_admin)


@pytest.fixture
def rto_user_client(rto_user):
    return _client_for(rto_user)


@pytest.fixture
def role_client(make_user):
    """A signed-in client for a given role: role_client(Role.ADMIN)."""

    def make(role: Role) -> Client:
        return _client_for(make_user(role))

    return make


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1 that Django's SMTP backend sends to (tests/mailserver.py)."""
    from tests.mailserver import mail_server_start

    server = mail_server_start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = server.host
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    yield server
    server.stop()
