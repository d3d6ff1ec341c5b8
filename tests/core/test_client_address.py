"""Who is asking: X-Forwarded-For counts only when it comes from a trusted proxy."""

import pytest
from django.test import RequestFactory

from testamur.core.clients import client_ip


def _ip(settings, remote, forwarded=None, proxies=()):
    settings.TRUSTED_PROXIES = list(proxies)
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/", **headers))


def test_without_trusted_proxies_the_connecting_address_counts(settings):
    assert _ip(settings, "192.0.2.1", "203.0.113.5") == "192.0.2.1"


def test_a_forwarded_address_from_someone_else_is_ignored(settings):
    assert _ip(settings, "192.0.2.1", "203.0.113.5", proxies=["10.0.0.0/8"]) == "192.0.2.1"


def test_behind_a_trusted_proxy_the_visitor_counts(settings):
    assert _ip(settings, "10.0.0.2", "203.0.113.5", proxies=["10.0.0.0/8"]) == "203.0.113.5"


@pytest.mark.parametrize(
    "forwarded,expected",
    [
        # The client wrote the first entry itself: only what the proxies added counts.
        ("1.2.3.4, 203.0.113.5", "203.0.113.5"),
        ("203.0.113.5, 10.0.0.7", "203.0.113.5"),
        ("2001:db8::1", "2001:db8::1"),
        ("not-an-address", "10.0.0.2"),
        ("", "10.0.0.2"),
    ],
)
def test_the_last_address_that_is_not_a_trusted_proxy_counts(settings, forwarded, expected):
    assert _ip(settings, "10.0.0.2", forwarded, proxies=["10.0.0.0/8"]) == expected
