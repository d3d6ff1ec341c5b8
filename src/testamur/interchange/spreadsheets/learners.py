"""Importing learners. A row is matched on its learner ID, else on its USI."""

from testamur.interchange.problems import Problems
from testamur.interchange.spreadsheets import columns as c
from testamur.interchange.spreadsheets.engine import ParsedRow, RowImporter
from testamur.learners import models as lm
from testamur.learners.models import Gender, Learner, SurveyContactStatus, UsiStatus, YesNo
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
    c.Column(
        "address_line",
        "Street address",
        c.text(170),
        aliases=("address", "street", "address line"),
        help="One line, split as AVETMISS splits it; or use the four address part columns.",
    ),
    c.Column(
        "address_building",
        "Building or property name",
        c.text(50),
        aliases=("building", "property name"),
    ),
    c.Column("address_unit", "Flat or unit", c.text(30), aliases=("unit", "flat")),
    c.Column("address_street_number", "Street number", c.text(15)),
    c.Column("address_street_name", "Street name", c.text(70)),
    c.Column("postal_delivery_box", "Postal delivery box", c.text(22), aliases=("po box", "pobox")),
    c.Column("suburb", "Suburb", c.text(50), aliases=("town", "locality", "city")),
    c.Column("state", "State", c.choice(AustralianState.choices), aliases=("state or territory",)),
    c.Column("postcode", "Postcode", c.postcode, aliases=("post code", "zip")),
    c.Column("usi_status", "USI status", c.choice(UsiStatus.choices)),
    c.Column("usi_verified_on", "USI verified on", c.a_date, aliases=("usi verified date",)),
    c.Column("usi_evidence", "USI verification evidence", c.text(200)),
    c.Column("special_requirements", "Special requirements", c.text()),
    # AVETMISS client details: a code or its name; a blank cell is "not stated".
    c.Column(
        "school_level",
        "Highest school level completed",
        c.code_list(lm.SchoolLevel, "highest school level"),
        aliases=("highest school level", "school level"),
    ),
    c.Column(
        "school_level_year",
        "Year highest school level completed",
        c.a_year,
        aliases=("year school completed", "school level year"),
    ),
    c.Column(
        "at_school",
        "Still at school",
        c.choice(YesNo.choices),
        aliases=("at school", "at school flag", "still attending secondary school"),
    ),
    c.Column(
        "indigenous_status",
        "Indigenous status",
        c.code_list(lm.IndigenousStatus, "Indigenous status"),
        aliases=("aboriginal or torres strait islander", "atsi"),
    ),
    c.Column(
        "language",
        "Main language at home",
        c.code_list(lm.Language, "language"),
        aliases=("language", "language spoken at home", "main language"),
    ),
    c.Column(
        "english_proficiency",
        "Proficiency in spoken English",
        c.code_list(lm.EnglishProficiency, "English proficiency"),
        aliases=("english proficiency", "how well english"),
    ),
    c.Column(
        "country_of_birth",
        "Country of birth",
        c.code_list(lm.Country, "country"),
        aliases=("birth country",),
    ),
    c.Column(
        "labour_force_status",
        "Labour force status",
        c.code_list(lm.LabourForceStatus, "labour force status"),
        aliases=("employment status", "labour force"),
    ),
    c.Column(
        "disability",
        "Disability",
        c.choice(YesNo.choices),
        aliases=("disability flag", "has disability"),
    ),
    c.Column(
        "disability_types",
        "Disability types",
        c.code_list(lm.DisabilityType, "disability type", many=True),
        help="Codes or names separated by commas, e.g. 11, 14.",
    ),
    c.Column(
        "prior_education",
        "Prior educational achievement",
        c.choice(YesNo.choices),
        aliases=("prior education", "prior educational achievement flag"),
    ),
    c.Column(
        "prior_educations",
        "Prior achievements",
        c.code_list(
            lm.PriorEducationType, "prior educational achievement", many=True, recognition=True
        ),
        aliases=("prior qualifications",),
        help="Codes separated by commas, each with A, E or I for where it was gained: 514A, 008I.",
    ),
    c.Column(
        "survey_contact_status",
        "Survey contact status",
        c.choice(SurveyContactStatus.choices),
    ),
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
        # Only what the file itself has used is held: learners are looked up a chunk at a time.
        self.seen_client: dict[str, int] = {}
        self.seen_usi: dict[str, int] = {}
        next_id = learner_next_client_id()
        self.next_number = int(next_id[len(CLIENT_ID_PREFIX) :])

    def _generated_id(self, existing: set[str]) -> str:
        while True:
            client_id = f"{CLIENT_ID_PREFIX}{self.next_number:0{CLIENT_ID_DIGITS}d}"
            self.next_number += 1
            if client_id not in self.seen_client and client_id not in existing:
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

    def _load(self, rows: list[tuple[ParsedRow, dict]]) -> None:
        """The learners this chunk names, by learner ID and by USI: one query each."""
        client_ids = {f["client_id"] for _, f in rows if f.get("client_id")}
        usis = {f["usi"] for _, f in rows if f.get("usi")}
        self.learners = Learner.objects.in_bulk(client_ids, field_name="client_id")
        self.usi_owners = dict(Learner.objects.filter(usi__in=usis).values_list("usi", "client_id"))
        by_usi = Learner.objects.in_bulk(
            set(self.usi_owners.values()) - set(self.learners), field_name="client_id"
        )
        self.learners.update(by_usi)

    def _match(self, row: ParsedRow, fields: dict, problems: Problems) -> str:
        """The learner ID the row is about (existing, new or generated); "" when invalid."""
        client_id = fields.get("client_id") or ""
        usi = fields.get("usi") or ""
        if not client_id and usi in self.usi_owners:
            client_id = self.usi_owners[usi]
        elif not client_id and usi:
            client_id = self._generated_id(set(self.learners))
        elif not client_id:
            problems.add(NO_KEY, row=row.number, column=self.column("client_id"))
            return ""
        if client_id in self.seen_client:
            problems.add(
                CLIENT_ID_REPEATED.format(client_id=client_id, row=self.seen_client[client_id]),
                row=row.number,
                column=self.column("client_id" if fields.get("client_id") else "usi"),
            )
            return ""
        self.seen_client[client_id] = row.number
        return client_id

    def _usi_free(self, row: ParsedRow, client_id: str, usi: str, problems: Problems) -> bool:
        if usi in self.seen_usi:
            problems.add(
                USI_REPEATED.format(row=self.seen_usi[usi]),
                row=row.number,
                column=self.column("usi"),
            )
            return False
        owner = self.usi_owners.get(usi)
        if owner and owner != client_id:
            other = self.learners[owner]
            problems.add(
                USI_OF_OTHER_LEARNER.format(client_id=owner, name=other.full_name),
                row=row.number,
                column=self.column("usi"),
            )
            return False
        return True

    def chunk(self, rows: list[ParsedRow], problems: Problems, *, write: bool) -> None:
        rows_fields = [(row, self._fields(row)) for row in rows]
        self._load(rows_fields)
        created, updated = [], []
        for row, fields in rows_fields:
            client_id = self._match(row, fields, problems)
            if not client_id:
                continue
            fields["client_id"] = client_id
            learner = self.learners.get(client_id)
            if learner is not None:
                was_status = learner.usi_status
                changes = learner_apply(learner=learner, actor=self.actor, fields=fields)
            else:
                if fields.get("usi") and "usi_status" not in fields:
                    fields["usi_status"] = UsiStatus.NOT_VERIFIED
                learner = learner_new(actor=self.actor, fields=fields)
                changes = None
            found = learner_problems(learner, check_database=False)
            usi = learner.usi or ""
            if usi and "usi" not in found and not self._usi_free(row, client_id, usi, problems):
                continue
            if found:
                problems.add_all(found, row=row.number, columns=self.error_columns)
            if found or row.failed:
                continue
            if usi:
                self.seen_usi[usi] = row.number
            if changes is None:
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
