"""The client of the USI Registry System: VerifyUSI and BulkVerifyUSI for one organisation.

A call first needs a token from the ATO's token service, got with the machine credential and
kept (per process) until shortly before it expires. Every failure becomes a `RegistryError`
whose message a person can act on; nothing else escapes, so callers record the failure and
leave the learner as it was.
"""

import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives import hashes
from lxml import etree

from testamur.learners.usi_registry import messages
from testamur.learners.usi_registry.config import RegistryConfig
from testamur.learners.usi_registry.keystore import (
    CredentialError,
    credential_check_dates,
    keystore_read,
)
from testamur.learners.usi_registry.messages import (
    Answer,
    Fault,
    IssuedToken,
    MalformedReply,
    Person,
)
from testamur.learners.usi_registry.xmlns import parse, serialise

CONTENT_TYPE = 'application/soap+xml; charset=utf-8; action="{action}"'

REGISTRY_UNREACHABLE = (
    "The {service} could not be reached ({detail}). Nothing was changed: try again later."
)
REGISTRY_TIMEOUT = (
    "The {service} did not answer within {seconds:g} seconds. Nothing was changed: try again later."
)
REGISTRY_HTTP_ERROR = (
    "The {service} answered with an error (HTTP {status}). Nothing was changed: try again later."
)
REPLY_UNREADABLE = (
    "The {service}'s reply could not be read ({detail}). Nothing was changed: try again later, "
    "and tell your administrator if it happens again."
)
STS_REFUSED = (
    "The ATO's token service refused the machine credential: {reason} Check the credential "
    "file (USI_KEYSTORE_PATH) or export a new one from the ATO's Relationship Authorisation "
    "Manager."
)
STS_NOT_AUTHORISED = (
    "The ATO does not recognise this software for your organisation (E2003): {reason} In the "
    "ATO's Relationship Authorisation Manager, notify the ATO that Testamur is your software "
    "for this machine credential, then try again."
)
CLOCK_REFUSED = (
    "The {service} refused the request's time stamp: {reason} Check that this server's clock "
    "is right (it reads {now} UTC)."
)
SERVICE_REFUSED = "The USI Registry System refused the request: {reason}"
STS_NAME = "ATO's token service"
REGISTRY_NAME = "USI Registry System"

# Faults that mean the issued token itself was refused: ask for a new one and try once more.
TOKEN_FAULTS = {"InvalidSecurityToken"}
CLOCK_FAULTS = {"MessageExpired"}


class RegistryError(Exception):
    """A verification could not be done; `message` tells a person why and what to do."""

    def __init__(self, message: str, *, kind: str, request_id: str = ""):
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.request_id = request_id


@dataclass(frozen=True)
class Outcome:
    answers: list[Answer]
    sent: list[Person]  # what each answer is about (a single name when retried so)
    request_id: str  # the WS-Addressing MessageID of the first call


def _local(tag: str) -> str:
    return tag.rsplit(":", 1)[-1]


def suggests_single_name(answer: Answer) -> str:
    """Which name to retry as a single name, when the answer suggests the registry knows the
    person by one name ('first' or 'family'), else ''."""
    if answer.usi_status == "Invalid" or answer.single_name or answer.date_of_birth != "Match":
        return ""
    if answer.first_name == "NoMatch" and answer.family_name == "Match":
        return "family"
    if answer.first_name == "Match" and answer.family_name == "NoMatch":
        return "first"
    return ""


_tokens: dict[tuple, IssuedToken] = {}
_tokens_lock = threading.Lock()


def tokens_forget() -> None:
    """Drop every cached token (after the credential file changes; tests)."""
    with _tokens_lock:
        _tokens.clear()


class RegistryClient:
    def __init__(self, config: RegistryConfig, *, clock: Callable[[], datetime] | None = None):
        self.config = config
        self.clock = clock or (lambda: datetime.now(UTC))

    # Public calls
    def verify(self, person: Person) -> Outcome:
        """VerifyUSI for one person, retried with a single name when the answer suggests it."""
        body = messages.verify_usi_body(org_code=self.config.org_code, person=person)
        root, request_id = self._call("VerifyUSI", body)
        answer = self._read(messages.verify_usi_response_read, root, request_id)
        retry = suggests_single_name(answer)
        if not retry:
            return Outcome([answer], [person], request_id)
        single = _as_single(person, retry)
        body = messages.verify_usi_body(org_code=self.config.org_code, person=single)
        root, second_id = self._call("VerifyUSI", body)
        second = self._read(messages.verify_usi_response_read, root, second_id)
        if second.verified:
            return Outcome([second], [single], second_id)
        return Outcome([answer], [person], request_id)

    def bulk_verify(self, people: list[Person]) -> Outcome:
        """BulkVerifyUSI for up to 500 people (their record ids unique), answers in their order."""
        by_id = {person.record_id: person for person in people}
        body = messages.bulk_verify_usi_body(org_code=self.config.org_code, people=people)
        root, request_id = self._call("BulkVerifyUSI", body)
        answers = self._bulk_answers(root, request_id, by_id)
        retries = {
            record_id: _as_single(by_id[record_id], which)
            for record_id, answer in answers.items()
            if (which := suggests_single_name(answer))
        }
        sent = dict(by_id)
        if retries:
            body = messages.bulk_verify_usi_body(
                org_code=self.config.org_code, people=list(retries.values())
            )
            root, second_id = self._call("BulkVerifyUSI", body)
            for record_id, answer in self._bulk_answers(root, second_id, retries).items():
                if answer.verified:
                    answers[record_id] = answer
                    sent[record_id] = retries[record_id]
        return Outcome(
            [answers[p.record_id] for p in people], [sent[p.record_id] for p in people], request_id
        )

    def _bulk_answers(self, root, request_id: str, by_id: dict) -> dict[int, Answer]:
        answers = self._read(messages.bulk_verify_usi_response_read, root, request_id)
        found = {answer.record_id: answer for answer in answers}
        if set(found) != set(by_id):
            raise RegistryError(
                REPLY_UNREADABLE.format(
                    service=REGISTRY_NAME, detail="its answers do not match the learners sent"
                ),
                kind="malformed",
                request_id=request_id,
            )
        return found

    @staticmethod
    def _read(reader, root, request_id: str):
        try:
            return reader(root)
        except MalformedReply as exc:
            raise RegistryError(
                REPLY_UNREADABLE.format(service=REGISTRY_NAME, detail=str(exc)),
                kind="malformed",
                request_id=request_id,
            ) from exc

    # Token
    def _credential(self):
        credential = keystore_read(
            self.config.keystore_path,
            alias=self.config.keystore_alias,
            password=self.config.keystore_password,
        )
        credential_check_dates(credential, now=self.clock())
        return credential

    def _token(self, *, fresh: bool = False) -> IssuedToken:
        try:
            credential = self._credential()
        except CredentialError as exc:
            raise RegistryError(str(exc), kind="credential") from exc
        key = (
            self.config.sts_url,
            self.config.applies_to,
            credential.alias,
            credential.certificate.fingerprint(hashes.SHA256()),
        )
        now = self.clock()
        with _tokens_lock:
            cached = _tokens.get(key)
        if cached and not fresh and cached.usable(now):
            return cached
        request = messages.sts_request(
            credential=credential,
            sts_url=self.config.sts_url,
            applies_to=self.config.applies_to,
            now=now,
        )
        request_id = messages.message_id_of(request)
        root = self._post(self.config.sts_url, messages.ISSUE_ACTION, request, STS_NAME)
        fault = messages.fault_read(root)
        if fault:
            raise self._sts_error(fault, request_id)
        try:
            token = messages.sts_response_read(root)
        except MalformedReply as exc:
            raise RegistryError(
                REPLY_UNREADABLE.format(service=STS_NAME, detail=str(exc)),
                kind="malformed",
                request_id=request_id,
            ) from exc
        with _tokens_lock:
            _tokens[key] = token
        return token

    def _sts_error(self, fault: Fault, request_id: str) -> RegistryError:
        reason = fault.reason.rstrip(".") + "."
        if "E2003" in fault.error_codes or _local(fault.subcode) == "E2003":
            return RegistryError(
                STS_NOT_AUTHORISED.format(reason=reason), kind="refused", request_id=request_id
            )
        if _local(fault.subcode) in CLOCK_FAULTS:
            return RegistryError(
                CLOCK_REFUSED.format(service=STS_NAME, reason=reason, now=self._now_text()),
                kind="clock",
                request_id=request_id,
            )
        return RegistryError(
            STS_REFUSED.format(reason=reason), kind="refused", request_id=request_id
        )

    def _now_text(self) -> str:
        return self.clock().astimezone(UTC).strftime("%d/%m/%Y %H:%M:%S")

    # USI service
    def _call(self, operation: str, body) -> tuple[etree._Element, str]:
        token = self._token()
        for attempt in (1, 2):
            request = messages.usi_request(
                token=token,
                service_url=self.config.service_url,
                operation=operation,
                body_element=body,
                now=self.clock(),
            )
            request_id = messages.message_id_of(request)
            root = self._post(
                self.config.service_url, f"{messages.USI}/{operation}", request, REGISTRY_NAME
            )
            fault = messages.fault_read(root)
            if not fault:
                return root, request_id
            subcode = _local(fault.subcode)
            if subcode in TOKEN_FAULTS and attempt == 1:
                token = self._token(fresh=True)
                body = etree.fromstring(etree.tostring(body))
                continue
            reason = fault.reason.rstrip(".") + "."
            details = " ".join(f"{m.rstrip('.')}." for _, m in fault.details if m)
            if subcode in CLOCK_FAULTS:
                message = CLOCK_REFUSED.format(
                    service=REGISTRY_NAME, reason=reason, now=self._now_text()
                )
                raise RegistryError(message, kind="clock", request_id=request_id)
            message = SERVICE_REFUSED.format(reason=f"{reason} {details}".strip())
            raise RegistryError(message, kind="fault", request_id=request_id)
        raise AssertionError("unreachable")

    # Transport
    def _post(self, url: str, action: str, root, service: str) -> etree._Element:
        data = serialise(root)
        request = urllib.request.Request(  # noqa: S310 - the configured https (or local) address
            url,
            data=data,
            method="POST",
            headers={"Content-Type": CONTENT_TYPE.format(action=action)},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.config.timeout) as response:  # noqa: S310
                payload = response.read()
        except urllib.error.HTTPError as exc:
            payload = exc.read()
            try:
                root = parse(payload)
            except etree.XMLSyntaxError:
                root = None
            if root is None or messages.fault_read(root) is None:
                raise RegistryError(
                    REGISTRY_HTTP_ERROR.format(service=service, status=exc.code), kind="unavailable"
                ) from exc
            return root
        except TimeoutError as exc:
            raise RegistryError(
                REGISTRY_TIMEOUT.format(service=service, seconds=self.config.timeout),
                kind="timeout",
            ) from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise RegistryError(
                    REGISTRY_TIMEOUT.format(service=service, seconds=self.config.timeout),
                    kind="timeout",
                ) from exc
            raise RegistryError(
                REGISTRY_UNREACHABLE.format(service=service, detail=str(exc.reason)),
                kind="unavailable",
            ) from exc
        except OSError as exc:
            raise RegistryError(
                REGISTRY_UNREACHABLE.format(service=service, detail=str(exc)), kind="unavailable"
            ) from exc
        try:
            return parse(payload)
        except etree.XMLSyntaxError as exc:
            raise RegistryError(
                REPLY_UNREADABLE.format(service=service, detail="it is not XML"), kind="malformed"
            ) from exc


def _as_single(person: Person, which: str) -> Person:
    name = person.family_name if which == "family" else person.first_name
    return Person(
        record_id=person.record_id,
        usi=person.usi,
        date_of_birth=person.date_of_birth,
        single_name=name,
    )
