"""`manage.py usi_simulator --prepare` writes what the demo needs: keys, a machine credential
file that opens with the password it wrote, and a data set from the learners."""

import json

import pytest
from django.core.management import call_command

from testamur.learners.usi_registry.keystore import keystore_read
from tests.factories import learner_make

pytestmark = pytest.mark.django_db


def test_prepare_writes_a_credential_and_a_data_set(tmp_path, capsys):
    learners = [learner_make() for _ in range(18)]

    call_command("usi_simulator", "--prepare", "--from-learners", "--home", str(tmp_path))

    password = (tmp_path / "keystore-password").read_text().strip()
    credential = keystore_read(tmp_path / "keystore-usi.xml", alias="", password=password)
    assert credential.abn == "51824753556"
    assert (tmp_path / "keystore-password").stat().st_mode & 0o077 == 0
    records = json.loads((tmp_path / "registry.json").read_text())["records"]
    assert len(records) == 17  # every 17th learner is left out: unknown to the registry
    assert {r["usi"] for r in records} < {x.usi for x in learners}
    assert "17 USIs from this database's learners" in capsys.readouterr().out
