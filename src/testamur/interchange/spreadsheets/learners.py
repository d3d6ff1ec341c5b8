"""Importing learners. A row is matched on its learner ID, else on its USI."""

from testamur.interchange.problems import Problems
from testamur.interchange.spreadsheets import columns as c
from testamur.interchange.spreadsheets.engine import ParsedRow, RowImporter
from testamur.learners.models import Gender, Learner, UsiStatus
from testamur.learners.selectors import CLIENT_ID_DIGITS, CLIENT_ID_PREFIX, learner_next_client_id
from testamur.learners.services import (
    USI_TAKEN,
    learner_apply,
    learner_new,
    learner_problems,
    learners_save_many,
)
from testamur.organisation.models import AustralianState

NO_KEY = "Give a learner ID or a USI, so a later import of this row updates the same learner."
KEY_COLUMNS_MISSING = "Match a column to “Learner ID” or to “USI”: rows are matched on them."
CLIENT_ID_REPEATED = "Learner ID {client_id} is also on row {row}."
USI_REPEATED = "This USI is also on row {row}, for another learner."
USI_OF_OTHER_LEARNER = USI_TAKEN

# AVETMISS writes these in the USI field for learners exempt from having one.
EXEMPTION_CODES = {"INDIV": UsiStatus.EXEMPTION_INDIV, "INTOFF": UsiStatus.EXEMPTION_INTOFF}

COLUMNS = (
    c.Column(
        "client_id",
        "Learner ID",
        c.text(10),
        aliases=(
            "client id",
            "client identifier",
            "student id",
            "student no",
            "student number",
            "id",
        ),
        help="Matches the row to a learner already in Testamur.",
    ),
    c.Column("usi", "USI", c.text(10), aliases=("unique student identifier",)),
    c.Column("title", "Title", c.text(10), aliases=("salutation",)),
    c.Column(
        "given_name",
        "Given name",
        c.text(40),
        required=True,
        aliases=("first name", "firstname", "first given name", "given names", "forename"),
    ),
    c.Column("middle_names", "Middle names", c.text(60), aliases=("middle name", "other names")),
    c.Column(
        "family_name",
        "Family name",
        c.text(40),
        required=True,
        aliases=("surname", "last name", "lastname"),
    ),
    c.Column("preferred_name", "Preferred name", c.text(40), aliases=("known as", "nickname")),
    c.Column(
        "date_of_birth", "Date of birth", c.a_date, aliases=("dob", "birth date", "birthdate")
    ),
    c.Column(
        "gender",
        "Gender",
        c.choice(Gender.choices, male="M", female="F", other="X", unknown="@", notstated="@"),
        aliases=("sex",),
    ),
    c.Column("email", "Email", c.text(254), aliases=("email address", "e-mail")),
    c.Column("phone", "Phone", c.text(20), aliases=("mobile", "telephone", "phone number")),
    c.Column("address_line", "Street address", c.text(100), aliases=("address", "street")),
    c.Column("suburb", "Suburb", c.text(50), aliases=("town", "locality", "city")),
    c.Column("state", "State", c.choice(AustralianState.choices), aliases=("state or territory",)),
    c.Column("postcode", "Postcode", c.postcode, aliases=("post code", "zip")),
    c.Column("usi_status", "USI status", c.choice(UsiStatus.choices)),
    c.Column("usi_verified_on", "USI verified on", c.a_date, aliases=("usi verified date",)),
    c.Column("usi_evidence", "USI verification evidence", c.text(200)),
    c.Column("special_requirements", "Special requirements", c.text()),
)


class LearnerImport(RowImporter):
    label = "Learners"
    columns = COLUMNS
    key_fields = frozenset({"client_id", "usi"})

    @classmethod
    def mapping_problems(cls, mapping, headers):
        problems = super().mapping_problems(mapping, headers)
        if "client_id" not in mapping and "usi" not in mapping:
            problems.append(KEY_COLUMNS_MISSING)
        return problems

    def prepare(self) -> None:
        # Learner ID → (pk, USI) and USI → learner ID, for every learner: the natural keys.
        self.by_client: dict[str, tuple[int | None, str | None]] = {}
        self.by_usi: dict[str, str] = {}
        for pk, client_id, usi in Learner.objects.values_list("pk", "client_id", "usi"):
            self.by_client[client_id] = (pk, usi)
            if usi:
                self.by_usi[usi] = client_id
        self.seen_client: dict[str, int] = {}
        self.seen_usi: dict[str, int] = {}
        next_id = learner_next_client_id()
        self.next_number = int(next_id[len(CLIENT_ID_PREFIX) :])

    def _generated_id(self) -> str:
        while True:
            client_id = f"{CLIENT_ID_PREFIX}{self.next_number:0{CLIENT_ID_DIGITS}d}"
            self.next_number += 1
            if client_id not in self.by_client:
                return client_id

    def _fields(self, row: ParsedRow) -> dict:
        fields = dict(row.values)
        usi = fields.get("usi")
        if usi in EXEMPTION_CODES:
            fields["usi"] = None
            fields.setdefault("usi_status", EXEMPTION_CODES[usi])
        if fields.get("usi_status") == "":
            fields.pop("usi_status")
        return fields

    def _match(self, row: ParsedRow, fields: dict, problems: Problems) -> tuple[str, int | None]:
        """The learner ID the row is about and its pk (None for a new learner); "" if invalid."""
        client_id = fields.get("client_id") or ""
        usi = fields.get("usi") or ""
        if client_id:
            pk = self.by_client.get(client_id, (None, None))[0]
        elif usi and usi in self.by_usi:
            client_id = self.by_usi[usi]
            pk = self.by_client[client_id][0]
        elif usi:
            client_id, pk = self._generated_id(), None
        else:
            problems.add(NO_KEY, row=row.number, column=self.column("client_id"))
            return "", None
        if client_id in self.seen_client:
            problems.add(
                CLIENT_ID_REPEATED.format(client_id=client_id, row=self.seen_client[client_id]),
                row=row.number,
                column=self.column("client_id" if fields.get("client_id") else "usi"),
            )
            return "", None
        self.seen_client[client_id] = row.number
        return client_id, pk

    def _usi_free(self, row: ParsedRow, client_id: str, usi: str, problems: Problems) -> bool:
        owner = self.by_usi.get(usi)
        if usi in self.seen_usi and owner != client_id:
            problems.add(
                USI_REPEATED.format(row=self.seen_usi[usi]),
                row=row.number,
                column=self.column("usi"),
            )
            return False
        if owner and owner != client_id:
            other = Learner.objects.get(client_id=owner)
            problems.add(
                USI_OF_OTHER_LEARNER.format(client_id=owner, name=other.full_name),
                row=row.number,
                column=self.column("usi"),
            )
            return False
        return True

    def chunk(self, rows: list[ParsedRow], problems: Problems, *, write: bool) -> None:
        matched = []
        for row in rows:
            fields = self._fields(row)
            client_id, pk = self._match(row, fields, problems)
            if client_id:
                matched.append((row, fields, client_id, pk))
        existing = Learner.objects.in_bulk([pk for *_, pk in matched if pk])
        created, updated = [], []
        for row, fields, client_id, pk in matched:
            fields["client_id"] = client_id
            if pk:
                learner = existing[pk]
                was_status = learner.usi_status
                changes = learner_apply(learner=learner, actor=self.actor, fields=fields)
            else:
                if fields.get("usi") and "usi_status" not in fields:
                    fields["usi_status"] = UsiStatus.NOT_VERIFIED
                learner = learner_new(actor=self.actor, fields=fields)
            found = learner_problems(learner, check_database=False)
            usi = learner.usi or ""
            if usi and "usi" not in found and not self._usi_free(row, client_id, usi, problems):
                continue
            if found:
                problems.add_all(found, row=row.number, columns=self.error_columns)
            if found or row.failed:
                continue
            old_usi = self.by_client.get(client_id, (None, None))[1]
            if old_usi and old_usi != usi and self.by_usi.get(old_usi) == client_id:
                del self.by_usi[old_usi]
            if usi:
                self.by_usi[usi] = client_id
                self.seen_usi[usi] = row.number
            self.by_client[client_id] = (pk, usi or None)
            if not pk:
                created.append(learner)
            elif changes:
                updated.append((learner, changes, was_status))
            else:
                self.counts.unchanged += 1
        self.counts.created += len(created)
        self.counts.updated += len(updated)
        if write and not problems:
            learners_save_many(
                actor=self.actor, created=created, updated=updated, reason=self.reason
            )
