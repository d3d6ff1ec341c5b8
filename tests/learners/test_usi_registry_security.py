"""The simulator checks the security the real services check: a tampered or expired signature,
an expired message or token, a forged assertion or a certificate from elsewhere is refused."""

import copy
import urllib.error
import urllib.request
from datetime import UTC, date, datetime, timedelta

import pytest
from lxml import etree

from testamur.learners.usi_registry import messages
from testamur.learners.usi_registry.keystore import keystore_read
from testamur.learners.usi_registry.messages import Person
from testamur.learners.usi_registry.simulator.pki import keystore_write, simulator_keys_new
from testamur.learners.usi_registry.xmlns import WSU, find, parse, q, serialise, xml_time
from tests.usi_registry import ABN, KEYSTORE_PASSWORD, ORG_CODE

PERSON = Person(
    record_id=1,
    usi="BNGH7C75FN",
    date_of_birth=date(1998, 3, 14),
    first_name="Thi Lan",
    family_name="Nguyen",
)


def _post(url: str, root) -> tuple[int, etree._Element]:
    request = urllib.request.Request(  # noqa: S310 - the local simulator
        url, data=serialise(root), headers={"Content-Type": "application/soap+xml"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status, parse(response.read())
    except urllib.error.HTTPError as error:
        return error.code, parse(error.read())


def _credential(path):
    return keystore_read(path, alias="", password=KEYSTORE_PASSWORD)


def _sts_request(registry, credential=None, now=None):
    return messages.sts_request(
        credential=credential or _credential(registry.keystore),
        sts_url=registry.simulator.sts_url,
        applies_to=registry.simulator.applies_to,
        now=now or datetime.now(UTC),
    )


def _token(registry):
    status, root = _post(registry.simulator.sts_url, _sts_request(registry))
    assert status == 200, messages.fault_read(root)
    return messages.sts_response_read(root)


def _verify_request(registry, token, now=None):
    return messages.usi_request(
        token=token,
        service_url=registry.simulator.service_url,
        operation="VerifyUSI",
        body_element=messages.verify_usi_body(org_code=ORG_CODE, person=PERSON),
        now=now or datetime.now(UTC),
    )


def _refused(registry, url, root, reason_part: str) -> None:
    status, reply = _post(url, root)
    fault = messages.fault_read(reply)
    assert status == 500 and fault is not None
    assert reason_part in fault.reason
    assert registry.simulator.received == []


def test_a_correct_request_is_answered(usi_registry):
    status, reply = _post(
        usi_registry.simulator.service_url, _verify_request(usi_registry, _token(usi_registry))
    )
    assert status == 200
    assert messages.verify_usi_response_read(reply).verified


def test_token_request_with_a_tampered_to_header(usi_registry):
    root = _sts_request(usi_registry)
    find(root, "s:Header/a:To").text = "https://elsewhere.example/service.svc"
    _refused(usi_registry, usi_registry.simulator.sts_url, root, "signature is refused")


def test_token_request_with_a_tampered_timestamp(usi_registry):
    root = _sts_request(usi_registry)
    expires = find(root, "s:Header/o:Security/u:Timestamp/u:Expires")
    expires.text = xml_time(datetime.now(UTC) + timedelta(hours=2))
    _refused(usi_registry, usi_registry.simulator.sts_url, root, "signature is refused")


def test_token_request_signed_long_ago(usi_registry):
    old = _sts_request(usi_registry, now=datetime.now(UTC) - timedelta(minutes=20))
    _refused(usi_registry, usi_registry.simulator.sts_url, old, "expired")


def test_certificate_from_another_authority(usi_registry, tmp_path):
    other = tmp_path / "other.xml"
    keystore_write(other, keys=simulator_keys_new(), abn=ABN, password=KEYSTORE_PASSWORD)
    root = _sts_request(usi_registry, credential=_credential(other))
    _refused(usi_registry, usi_registry.simulator.sts_url, root, "not issued by the ATO")


def test_expired_certificate_refused_by_the_token_service(usi_registry, tmp_path):
    expired = tmp_path / "expired.xml"
    keystore_write(
        expired,
        keys=usi_registry.keys,
        abn=ABN,
        password=KEYSTORE_PASSWORD,
        not_before=datetime(2024, 1, 1, tzinfo=UTC),
        not_after=datetime(2025, 1, 1, tzinfo=UTC),
    )
    root = _sts_request(usi_registry, credential=_credential(expired))
    _refused(usi_registry, usi_registry.simulator.sts_url, root, "expired")


def test_call_with_a_tampered_timestamp(usi_registry):
    root = _verify_request(usi_registry, _token(usi_registry))
    created = find(root, "s:Header/o:Security/u:Timestamp/u:Created")
    created.text = xml_time(datetime.now(UTC) - timedelta(seconds=30))
    _refused(usi_registry, usi_registry.simulator.service_url, root, "signature is refused")


def test_call_signed_with_another_key(usi_registry):
    token = _token(usi_registry)
    forged = messages.IssuedToken(
        assertion=token.assertion,
        reference=token.reference,
        proof_key=b"x" * 32,
        expires=token.expires,
    )
    _refused(
        usi_registry,
        usi_registry.simulator.service_url,
        _verify_request(usi_registry, forged),
        "signature is refused",
    )


def test_a_replayed_call_after_its_timestamp_expired(usi_registry):
    token = _token(usi_registry)
    root = _verify_request(usi_registry, token)
    usi_registry.simulator.clock = lambda: datetime.now(UTC) + timedelta(minutes=11)
    _refused(usi_registry, usi_registry.simulator.service_url, root, "expired")


def test_an_expired_token(usi_registry):
    usi_registry.simulator.token_seconds = 60
    token = _token(usi_registry)
    later = datetime.now(UTC) + timedelta(minutes=8)
    usi_registry.simulator.clock = lambda: later
    root = _verify_request(usi_registry, token, now=later)
    _refused(usi_registry, usi_registry.simulator.service_url, root, "issued token expired")


def test_a_signature_moved_onto_another_timestamp(usi_registry):
    root = _verify_request(usi_registry, _token(usi_registry))
    security = find(root, "s:Header/o:Security")
    # Wrapping: a new timestamp that lives longer goes first; the signed one stays behind it.
    fake = copy.deepcopy(find(security, "u:Timestamp"))
    del fake.attrib[q(WSU, "Id")]
    fake.find(q(WSU, "Expires")).text = xml_time(datetime.now(UTC) + timedelta(days=1))
    security.insert(0, fake)
    _refused(usi_registry, usi_registry.simulator.service_url, root, "does not cover")


def test_a_token_from_another_token_service(usi_registry, tmp_path):
    other = type(usi_registry.simulator)(
        keys=simulator_keys_new(), records=usi_registry.simulator.records
    ).start()
    try:
        path = tmp_path / "other.xml"
        keystore_write(path, keys=other.keys, abn=ABN, password=KEYSTORE_PASSWORD)
        root = messages.sts_request(
            credential=_credential(path),
            sts_url=other.sts_url,
            applies_to=other.applies_to,
            now=datetime.now(UTC),
        )
        _, reply = _post(other.sts_url, root)
        token = messages.sts_response_read(reply)
    finally:
        other.stop()
    _refused(
        usi_registry,
        usi_registry.simulator.service_url,
        _verify_request(usi_registry, token),
        "cannot be decrypted",
    )


@pytest.mark.parametrize(
    "body", [b"not xml", b"<!DOCTYPE x [<!ENTITY a SYSTEM 'file:///etc/passwd'>]><x>&a;</x>"]
)
def test_garbage_and_external_entities_are_refused(usi_registry, body):
    url = usi_registry.simulator.service_url
    request = urllib.request.Request(url, data=body)  # noqa: S310
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5)  # noqa: S310
    reply = caught.value.read()
    assert b"root:" not in reply and b"Fault" in reply
