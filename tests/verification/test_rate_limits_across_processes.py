"""The documented /v/ limit (10 checks by number and name per 10 minutes) holds across web
processes and behind a reverse proxy: two gunicorn servers share one count in the shared cache
(the database table by default, Redis when REDIS_URL is set), and each visitor behind a trusted
proxy has a count of their own."""

import http.client
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import pytest

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 10  # README: "/v/ allows 10 checks by number and family name per 10 minutes"
REDIS = ("127.0.0.1", 6379)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis_answers() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture(scope="module")
def site_env(tmp_path_factory):
    """A migrated SQLite site of its own (the servers are other processes)."""
    home = tmp_path_factory.mktemp("site")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "DEBUG": "1",
        "TESTAMUR_VAR": str(home),
        "DATABASE_URL": f"sqlite:///{home / 'db.sqlite3'}",
        "MEDIA_ROOT": str(home / "media"),
        "TRUSTED_PROXIES": "127.0.0.1",
        "LOG_LEVEL": "ERROR",
    }
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"], env=env, check=True)
    return env


def _wait_for(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn on {port} stopped: {server.stderr.read().decode()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn on {port} did not start")


@pytest.fixture(params=["database", "redis"])
def servers(request, site_env):
    """Two gunicorn servers, one worker process each, on one site and one cache."""
    env = dict(site_env)
    if request.param == "redis":
        if not _redis_answers():
            pytest.skip("Redis is not running on 127.0.0.1:6379")
        # A prefix of its own: parallel test runs share the Redis server.
        env["REDIS_URL"] = f"redis://{REDIS[0]}:{REDIS[1]}/0"
        env["CACHE_KEY_PREFIX"] = f"testamur-test-{uuid.uuid4().hex}"
    ports = [_free_port(), _free_port()]
    started = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "testamur.wsgi:application",
                "--workers",
                "1",
                "--bind",
                f"127.0.0.1:{port}",
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for port in ports
    ]
    try:
        for port, server in zip(ports, started, strict=True):
            _wait_for(port, server)
        yield ports
    finally:
        for server in started:
            server.terminate()
        for server in started:
            server.wait(timeout=30)


class Visitor:
    """One browser: its own CSRF cookie, and the address the proxy says it comes from."""

    def __init__(self, address: str):
        self.address = address
        self.cookie = ""
        self.token = ""

    def _request(self, port: int, method: str, body: str = ""):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"X-Forwarded-For": self.address, "Host": "127.0.0.1"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, "/v/", body=body, headers=headers)
        response = connection.getresponse()
        content = response.read().decode()
        connection.close()
        return response, content

    def lookup(self, port: int) -> int:
        if not self.token:
            response, content = self._request(port, "GET")
            self.cookie = response.getheader("Set-Cookie").split(";")[0]
            self.token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', content)[1]
        body = urlencode(
            {"csrfmiddlewaretoken": self.token, "number": "TM-999999", "family_name": "Smith"}
        )
        return self._request(port, "POST", body)[0].status


def test_the_lookup_limit_is_shared_by_every_process(servers):
    visitor = Visitor("203.0.113.10")
    answers = [visitor.lookup(servers[i % 2]) for i in range(LIMIT + 4)]

    assert answers[:LIMIT] == [404] * LIMIT  # each server answered half of them
    assert answers[LIMIT:] == [429] * 4


def test_visitors_behind_the_same_proxy_have_counts_of_their_own(servers):
    first, second = Visitor("203.0.113.20"), Visitor("198.51.100.7")
    for i in range(LIMIT):
        assert first.lookup(servers[i % 2]) == 404
    assert first.lookup(servers[0]) == 429

    assert second.lookup(servers[1]) == 404
