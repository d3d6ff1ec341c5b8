"""Run the local USI Registry System simulator (token service + USI service) on 127.0.0.1."""

import secrets
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from testamur.learners.models import Learner
from testamur.learners.usi_registry.simulator.pki import (
    keystore_write,
    simulator_keys_load_or_create,
)
from testamur.learners.usi_registry.simulator.registry import (
    BUILT_IN,
    Record,
    records_index,
    records_load,
    records_save,
)
from testamur.learners.usi_registry.simulator.server import RegistrySimulator

DEFAULT_ABN = "51824753556"


def _from_learners() -> list[Record]:
    """A data set from this database's learners, with a few deliberate differences so a
    demonstration shows every kind of answer: every 9th learner's date of birth differs, every
    13th USI is deactivated and every 17th is unknown to the registry."""
    records = []
    learners = Learner.objects.exclude(usi=None).exclude(date_of_birth=None).order_by("id")
    for n, learner in enumerate(learners, start=1):
        if n % 17 == 0:
            continue
        born = learner.date_of_birth + timedelta(days=1) if n % 9 == 0 else learner.date_of_birth
        records.append(
            Record(
                usi=learner.usi,
                date_of_birth=born,
                first_name=learner.given_name,
                family_name=learner.family_name,
                status="Deactivated" if n % 13 == 0 else "Valid",
            )
        )
    return records


class Command(BaseCommand):
    help = (
        "Serve the USI registry simulator on 127.0.0.1 (for tests and the demo). --prepare "
        "writes its keys, a machine credential file and its password, then exits."
    )

    def add_arguments(self, parser):
        home = Path(settings.VAR_DIR) / "usi-simulator"
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument(
            "--home", type=Path, default=home, help="Keys and files (var/usi-simulator)."
        )
        parser.add_argument(
            "--data",
            type=Path,
            help="Data set (JSON); default: built in, plus --home/registry.json.",
        )
        parser.add_argument(
            "--prepare", action="store_true", help="Write keys and a credential file, then exit."
        )
        parser.add_argument(
            "--from-learners",
            action="store_true",
            help="With --prepare: write a data set from this database's learners.",
        )
        parser.add_argument(
            "--abn", default=DEFAULT_ABN, help="The ABN of the credential --prepare writes."
        )

    def handle(self, *args, **options):
        home: Path = options["home"]
        keys = simulator_keys_load_or_create(home)
        if options["prepare"]:
            self._prepare(home, keys, options)
            return
        data_files = [options["data"]] if options["data"] else [BUILT_IN, home / "registry.json"]
        records = {}
        for path in data_files:
            if path.exists():
                records.update(records_load(path))
        if not records:
            raise CommandError("The simulator has no data set: give --data FILE.")
        simulator = RegistrySimulator(keys=keys, records=records, port=options["port"])
        self.stdout.write(
            f"USI registry simulator with {len(records)} USIs on {simulator.base_url} "
            "(token service and USI service). Ctrl-C stops it."
        )
        try:
            simulator.serve_forever()
        except KeyboardInterrupt:
            simulator.stop()

    def _prepare(self, home: Path, keys, options) -> None:
        password_file = home / "keystore-password"
        keystore = home / "keystore-usi.xml"
        if not password_file.exists():
            password_file.write_text(secrets.token_urlsafe(18))
            password_file.chmod(0o600)
        if not keystore.exists():
            keystore_write(
                keystore, keys=keys, abn=options["abn"], password=password_file.read_text().strip()
            )
        if options["from_learners"]:
            records = _from_learners()
            records_save(home / "registry.json", records_index(records).values())
            self.stdout.write(
                f"Simulator data set: {len(records)} USIs from this database's learners."
            )
        self.stdout.write(f"Machine credential: {keystore} (password in {password_file}).")
