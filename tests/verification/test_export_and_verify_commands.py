"""`export_vc` writes the signed JSON; `verify_vc` is the project's own verifier for scripts."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from testamur.credentials.services import credential_cancel
from testamur.verification.verifier import REVOKED
from tests.verification.helpers import one_issued

pytestmark = pytest.mark.django_db


@pytest.fixture
def credential(rto_admin, django_capture_on_commit_callbacks):
    return one_issued(rto_admin, django_capture_on_commit_callbacks)


def test_export_then_verify(credential, tmp_path, capsys):
    out = tmp_path / "vc.json"
    call_command("export_vc", credential.number, output=str(out))
    vc = json.loads(out.read_text())
    assert vc["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"
    call_command("verify_vc", str(out))
    assert capsys.readouterr().out.startswith("Valid")


def test_a_tampered_file_is_reported_invalid(credential, tmp_path):
    out = tmp_path / "vc.json"
    call_command("export_vc", credential.number, output=str(out))
    vc = json.loads(out.read_text())
    vc["credentialSubject"]["achievement"]["name"] = "Diploma of Anything"
    out.write_text(json.dumps(vc))
    with pytest.raises(CommandError) as excinfo:
        call_command("verify_vc", str(out))
    assert excinfo.value.returncode == 1
    assert "changed after signing" in str(excinfo.value)


def test_a_cancelled_credential_is_reported_revoked(credential, tmp_path, rto_admin):
    out = tmp_path / "vc.json"
    call_command("export_vc", credential.number, output=str(out))
    credential_cancel(actor=rto_admin, credential=credential, reason="Issued in error")
    with pytest.raises(CommandError) as excinfo:
        call_command("verify_vc", str(out))
    assert REVOKED in str(excinfo.value)
    with pytest.raises(CommandError):
        call_command("export_vc", credential.number)


def test_export_refuses_an_unknown_number(db):
    with pytest.raises(CommandError) as excinfo:
        call_command("export_vc", "TM-424242")
    assert "TM-424242" in str(excinfo.value)
