"""The simulator's two services over HTTP (WSGI), on 127.0.0.1 only.

Token service: checks the request's timestamp, that its certificate was issued by the
simulator's authority and is within its dates, that the RSA signature covers the Timestamp and
To headers, that the organisation (ABN) is authorised and the token is for the USI service;
then issues a signed SAML 2.0 assertion encrypted for the USI service, with a fresh proof key.
USI service: checks the timestamp, decrypts the assertion and checks its signature, audience
and expiry, checks the HMAC signature with the proof key, then answers from the data set.
Every refusal is a SOAP fault, as the real services give.

This module serves both over HTTP; the token service is in `token_service`, the USI service in
`usi_service`, the checks they share in `checks`.
"""

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from lxml import etree

from testamur.learners.usi_registry.messages import fault_envelope
from testamur.learners.usi_registry.simulator.checks import Refusal
from testamur.learners.usi_registry.simulator.pki import SimulatorKeys, pem
from testamur.learners.usi_registry.simulator.registry import Record
from testamur.learners.usi_registry.simulator.token_service import TokenService
from testamur.learners.usi_registry.simulator.usi_service import UsiService
from testamur.learners.usi_registry.xmlns import SOAP, parse, q, serialise

STS_PATH = "/R3.0/S007v1.3/service.svc"
SERVICE_PATH = "/service/v5/usiservice.svc"
# The real token service issues tokens for the USI service's address without its version.
APPLIES_TO_PATH = "/service/usiservice.svc"
CONTENT_TYPE = "application/soap+xml; charset=utf-8"
MAX_BODY = 5 * 1024 * 1024


__all__ = ["APPLIES_TO_PATH", "SERVICE_PATH", "STS_PATH", "Refusal", "RegistrySimulator"]


class RegistrySimulator(TokenService, UsiService):
    """Both services. `start()` serves them from a thread; `serve_forever()` in the foreground.

    Failure drills: `delay_seconds` answers every request late; `reply_override` makes the USI
    service answer with these bytes (a fault, or something malformed) and `reply_status`, once
    it has answered `override_after_calls` calls. `received` lists the USIs the USI service was
    asked about, in order, and `calls` each call it answered.
    """

    def __init__(
        self,
        *,
        keys: SimulatorKeys,
        records: dict[str, Record],
        host: str = "127.0.0.1",
        port: int = 0,
        authorised_abns: set[str] | None = None,
        token_seconds: int = 3600,
        skew_seconds: int = 300,
        clock: Callable[[], datetime] | None = None,
    ):
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("The simulator listens on this machine only (127.0.0.1).")
        self.keys = keys
        self.records = records
        self.authorised_abns = authorised_abns
        self.token_seconds = token_seconds
        self.skew = timedelta(seconds=skew_seconds)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.delay_seconds = 0.0
        self.reply_override: bytes | None = None
        self.reply_status = "200 OK"
        self.override_after_calls = 0
        self.received: list[str] = []
        self.calls: list[tuple[str, int]] = []  # (operation, verifications in it)
        self.tokens_issued = 0
        self._lock = threading.Lock()
        self._server = make_server(host, port, self, server_class=_Server, handler_class=_Quiet)
        self._thread: threading.Thread | None = None
        self._sts_cert_pem = pem(keys.sts)
        self._ca_public = keys.ca.public_key()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def sts_url(self) -> str:
        return self.base_url + STS_PATH

    @property
    def service_url(self) -> str:
        return self.base_url + SERVICE_PATH

    @property
    def applies_to(self) -> str:
        return self.base_url + APPLIES_TO_PATH

    def start(self) -> "RegistrySimulator":
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    # WSGI
    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if environ["REQUEST_METHOD"] != "POST" or path not in (STS_PATH, SERVICE_PATH):
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"Not found"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length > MAX_BODY:
            start_response("413 Payload Too Large", [("Content-Type", "text/plain")])
            return [b"Too large"]
        data = environ["wsgi.input"].read(length)
        if self.delay_seconds:
            time.sleep(self.delay_seconds)
        overridden = self.reply_override is not None and path == SERVICE_PATH
        if overridden and len(self.calls) >= self.override_after_calls:
            start_response(self.reply_status, [("Content-Type", CONTENT_TYPE)])
            return [self.reply_override]
        try:
            root = self._parse(data)
            reply = self.token_issue(root) if path == STS_PATH else self.service_call(root)
            status = "200 OK"
        except Refusal as refusal:
            reply = fault_envelope(
                code=refusal.code,
                subcode=refusal.subcode,
                reason=refusal.reason,
                details=refusal.details,
            )
            status = "500 Internal Server Error"
        start_response(status, [("Content-Type", CONTENT_TYPE)])
        return [serialise(reply)]

    @staticmethod
    def _parse(data: bytes):
        try:
            root = parse(data)
        except etree.XMLSyntaxError as exc:
            raise Refusal("a:BadRequest", "The request is not XML.") from exc
        if root.tag != q(SOAP, "Envelope"):
            raise Refusal("a:BadRequest", "The request is not a SOAP 1.2 envelope.")
        return root


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass
