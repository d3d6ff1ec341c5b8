"""The simulator's data set: USIs and their owners, and how it answers a verification.

Names and dates of birth match when they are the same ignoring case and repeated spaces, as
people expect of the registry. A record has first and family names, or a single name.
"""

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from testamur.learners.usi_registry.messages import Answer, Person

BUILT_IN = Path(__file__).parent / "data" / "registry.json"


@dataclass(frozen=True)
class Record:
    usi: str
    date_of_birth: date
    first_name: str = ""
    family_name: str = ""
    single_name: str = ""
    status: str = "Valid"  # Valid or Deactivated


def records_load(path: Path = BUILT_IN) -> dict[str, Record]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return records_index(
        Record(
            usi=item["usi"],
            date_of_birth=date.fromisoformat(item["date_of_birth"]),
            first_name=item.get("first_name", ""),
            family_name=item.get("family_name", ""),
            single_name=item.get("single_name", ""),
            status=item.get("status", "Valid"),
        )
        for item in data["records"]
    )


def records_save(path: Path, records) -> None:
    """Write records as the data set file `manage.py usi_simulator --data` reads."""
    items = [
        {
            "usi": r.usi,
            "status": r.status,
            "first_name": r.first_name,
            "family_name": r.family_name,
            "single_name": r.single_name,
            "date_of_birth": r.date_of_birth.isoformat(),
        }
        for r in records
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"records": items}, indent=2), encoding="utf-8")


def records_index(records) -> dict[str, Record]:
    return {record.usi: record for record in records}


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold() and bool(a.strip())


def _match(ok: bool) -> str:
    return "Match" if ok else "NoMatch"


def answer(record: Record | None, person: Person) -> Answer:
    if record is None:
        return Answer(usi_status="Invalid", record_id=person.record_id)
    dob = _match(record.date_of_birth == person.date_of_birth)
    if person.single_name:
        return Answer(
            usi_status=record.status,
            single_name=_match(
                bool(record.single_name) and _same(record.single_name, person.single_name)
            ),
            date_of_birth=dob,
            record_id=person.record_id,
        )
    if record.single_name:
        # First and family names sent for someone the registry knows by one name.
        return Answer(
            usi_status=record.status,
            first_name=_match(_same(record.single_name, person.first_name)),
            family_name=_match(_same(record.single_name, person.family_name)),
            date_of_birth=dob,
            record_id=person.record_id,
        )
    return Answer(
        usi_status=record.status,
        first_name=_match(_same(record.first_name, person.first_name)),
        family_name=_match(_same(record.family_name, person.family_name)),
        date_of_birth=dob,
        record_id=person.record_id,
    )
