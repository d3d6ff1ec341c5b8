"""Finding the learner a row is about, for the enrolment imports (learner ID, else USI)."""

from django.db.models import Q

from testamur.interchange.problems import Problems
from testamur.interchange.spreadsheets import columns as c
from testamur.interchange.spreadsheets.engine import ParsedRow, RowImporter
from testamur.learners.models import Learner

LEARNER_COLUMNS_MISSING = "Match a column to “Learner ID” or to “USI”: they say whose row it is."
LEARNER_NOT_GIVEN = "Give the learner ID or USI of the learner."
LEARNER_UNKNOWN = "No learner has learner ID {client_id}. Import the learners first."
LEARNER_UNKNOWN_USI = "No learner has this USI. Import the learners first."

LEARNER_COLUMNS = (
    c.Column(
        "client_id",
        "Learner ID",
        c.text(10),
        aliases=("client id", "client identifier", "student id", "student no", "student number"),
    ),
    c.Column("usi", "USI", c.text(10), aliases=("unique student identifier",)),
)


class LearnerLookup(RowImporter):
    @classmethod
    def mapping_problems(cls, mapping, headers):
        problems = super().mapping_problems(mapping, headers)
        if "client_id" not in mapping and "usi" not in mapping:
            problems.append(LEARNER_COLUMNS_MISSING)
        return problems

    def load_learners(self, rows: list[ParsedRow]) -> None:
        """The learners a chunk names, by learner ID and by USI (one query)."""
        client_ids = {row.values["client_id"] for row in rows if row.values.get("client_id")}
        usis = {row.values["usi"] for row in rows if row.values.get("usi")}
        found = Learner.objects.filter(Q(client_id__in=client_ids) | Q(usi__in=usis))
        self.learner_by_client: dict[str, int] = {}
        self.learner_by_usi: dict[str, int] = {}
        for pk, client_id, usi in found.values_list("pk", "client_id", "usi"):
            self.learner_by_client[client_id] = pk
            if usi:
                self.learner_by_usi[usi] = pk

    def learner_id(self, row: ParsedRow, problems: Problems) -> int | None:
        client_id = row.values.get("client_id") or ""
        usi = row.values.get("usi") or ""
        if client_id:
            pk = self.learner_by_client.get(client_id)
            if pk is None:
                problems.add(
                    LEARNER_UNKNOWN.format(client_id=client_id),
                    row=row.number,
                    column=self.column("client_id"),
                )
            return pk
        if usi:
            pk = self.learner_by_usi.get(usi)
            if pk is None:
                problems.add(LEARNER_UNKNOWN_USI, row=row.number, column=self.column("usi"))
            return pk
        problems.add(LEARNER_NOT_GIVEN, row=row.number, column=self.column("client_id"))
        return None
