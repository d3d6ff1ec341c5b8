"""The USI registry simulator for tests: a real HTTP server on 127.0.0.1 with its own keys, a
machine credential file made for it, and the settings that point Testamur at both."""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from testamur.learners.usi_registry.client import tokens_forget
from testamur.learners.usi_registry.simulator.pki import keystore_write, simulator_keys_new
from testamur.learners.usi_registry.simulator.registry import Record, records_load
from testamur.learners.usi_registry.simulator.server import RegistrySimulator

KEYSTORE_PASSWORD = "keystore-pass-for-tests"
ABN = "51824753556"
ORG_CODE = "VA1803"


@dataclass
class Registry:
    simulator: RegistrySimulator
    keystore: Path
    keys: object

    def knows(self, learner, **changes) -> Record:
        """Put the learner in the registry's data set as it is (or with `changes`)."""
        values = {
            "usi": learner.usi,
            "date_of_birth": learner.date_of_birth,
            "first_name": learner.given_name,
            "family_name": learner.family_name,
            "single_name": "",
            "status": "Valid",
        }
        values.update(changes)
        record = Record(**values)
        self.simulator.records[record.usi] = record
        return record


@pytest.fixture(scope="session")
def usi_simulator_keys():
    return simulator_keys_new()


@pytest.fixture
def usi_registry(settings, tmp_path, usi_simulator_keys):
    simulator = RegistrySimulator(keys=usi_simulator_keys, records=records_load()).start()
    keystore = tmp_path / "keystore-usi.xml"
    keystore_write(keystore, keys=usi_simulator_keys, abn=ABN, password=KEYSTORE_PASSWORD)
    settings.USI_REGISTRY = "simulator"
    settings.USI_SIMULATOR_URL = simulator.base_url
    settings.USI_ORG_CODE = ORG_CODE
    settings.USI_KEYSTORE_PATH = str(keystore)
    settings.USI_KEYSTORE_ALIAS = ""
    settings.USI_KEYSTORE_PASSWORD = KEYSTORE_PASSWORD
    settings.USI_TIMEOUT = 5
    tokens_forget()
    yield Registry(simulator=simulator, keystore=keystore, keys=usi_simulator_keys)
    simulator.stop()
    tokens_forget()


BORN = date(1996, 4, 12)
