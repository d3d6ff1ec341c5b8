"""Checking NAT records: the RTO, delivery locations, courses, units and learners against the
models' own rules, and training activity against the records it refers to.

A mixin of AvetmissImport, which holds the records read and the problems found.
"""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from testamur.interchange.avetmiss import records
from testamur.interchange.avetmiss.reading import LineReport
from testamur.learners import models as learner_models
from testamur.learners.models import Learner, UsiStatus
from testamur.learners.services import (
    USI_TAKEN,
    learner_apply,
    learner_new,
    learner_problems,
)
from testamur.organisation.models import Jurisdiction, Organisation
from testamur.training.models import (
    AqfLevel,
    CourseType,
    DeliveryLocation,
    OutcomeCode,
    Unit,
)

OTHER_RTO = "These files are for RTO {toid}, but Testamur is set up for RTO {expected}."
TOID_DIFFERS = "Training organisation identifier {toid} is not the RTO's ({expected})."
ONE_ORGANISATION = "NAT00010 holds one line, for the RTO; line {line} is the first."
REPEATED = "{what} {code} is also on line {line}."
UNKNOWN_LOCATION = "Delivery location {code} is not in NAT00020 nor in Testamur."
UNKNOWN_CLIENT = "Client {code} is not in NAT00080 nor in Testamur."
UNKNOWN_SUBJECT = "Subject {code} is not in NAT00060 nor in Testamur."
UNKNOWN_PROGRAM = "Program {code} is not in NAT00030 nor in Testamur."
UNKNOWN_OUTCOME = "Outcome {code} is not one of the {jurisdiction} outcome codes."
USI_REPEATED = "This USI is also on line {line}, for client {client}."
NOT_IN_CODE_LIST = "'{code}' is not in the AVETMISS {list} list."
COMMITMENT_TOO_LONG = (
    "Testamur keeps a commitment ID of up to 10 characters; '{value}' has {length}."
)

ADDRESS_FIELDS = (
    "address_building",
    "address_unit",
    "address_street_number",
    "address_street_name",
)

# The field naming each record, for the files other files refer to.
FLAWED_KEYS = {
    "NAT00020": "location",
    "NAT00030": "program",
    "NAT00060": "subject",
    "NAT00080": "client",
    "NAT00085": "client",
}
_QUALIFICATION_CODE = re.compile(r"^[A-Z]{3}([1-68])\d{4}$")
# NAT00080 field → (learner field, code list model, list name as people read it)
CLIENT_CODES = {
    "school_level": ("school_level", learner_models.SchoolLevel, "highest school level"),
    "indigenous_status": (
        "indigenous_status",
        learner_models.IndigenousStatus,
        "Indigenous status",
    ),
    "language": ("language", learner_models.Language, "language"),
    "labour_force": (
        "labour_force_status",
        learner_models.LabourForceStatus,
        "labour force status",
    ),
    "country_of_birth": ("country_of_birth", learner_models.Country, "country"),
}


@dataclass
class Line:
    file: str
    number: int
    values: dict
    report: LineReport


@dataclass
class Activity:
    line: Line
    programs: list[str]

    @property
    def values(self) -> dict:
        return self.line.values


def course_kind(code: str) -> tuple[str, int | None]:
    """A new course's type and AQF level, read from its national code (BSB40120 → Cert IV)."""
    if "SS" in code[3:6]:
        return CourseType.SKILL_SET, None
    match = _QUALIFICATION_CODE.match(code)
    if match:
        level = int(match[1])
        return CourseType.QUALIFICATION, level if level in AqfLevel.values else None
    return CourseType.ACCREDITED, None


def _changed(instance, data: dict) -> dict:
    """Set the non-blank values of `data`; return {field: [old, new]} for those that differ."""
    changes = {}
    for name, value in data.items():
        if value in ("", None):
            continue
        old = getattr(instance, name)
        if old != value:
            changes[name] = [str(old if old is not None else ""), str(value)]
            setattr(instance, name, value)
    return changes


class ReferenceChecks:
    """Checks every record of the reference files and every line of training activity."""

    def _check_organisation(self, line: Line) -> None:
        values = dict(line.values)
        toid = values["rto_code"]
        if self.toid and toid != self.toid:
            line.report(OTHER_RTO.format(toid=toid, expected=self.toid), "toid")
            return
        self.toid = toid
        organisation = Organisation.load()
        self.org_changes = _changed(organisation, values)
        try:
            organisation.full_clean()
        except ValidationError as exc:
            names = {"rto_code": "toid", "legal_name": "name", "address_line": "address_1"}
            for name, messages in exc.message_dict.items():
                for message in messages:
                    line.report(message, names.get(name, name) if name in values else None)
            return
        counts = self.counts["organisation"]
        if self.org_changes:
            counts.updated += 1
        else:
            counts.unchanged += 1

    @staticmethod
    def _location_data(values: dict, existing) -> dict:
        return {k: values[k] for k in ("name", "suburb", "state", "postcode")}

    @staticmethod
    def _course_data(values: dict, existing) -> dict:
        data = {"title": values["title"], "nominal_hours": values["nominal_hours"]}
        if existing is None:
            data["course_type"], data["aqf_level"] = course_kind(values["code"])
        return data

    @staticmethod
    def _unit_data(values: dict, existing) -> dict:
        return {k: values[k] for k in ("title", "field_of_education", "is_vet", "nominal_hours")}

    def _check_simple(self, lines: dict[str, Line], existing: dict, model, key: str, data_for):
        """Locations, courses and units: build each, check it, and plan create or update."""
        plan = []
        fields = {
            "code": "location" if model is DeliveryLocation else "program",
            "title": "name",
        }
        if model is Unit:
            fields["code"] = "subject"
        for code, line in lines.items():
            current = existing.get(code)
            data = {k: v for k, v in data_for(line.values, current).items() if v not in ("", None)}
            if current is None:
                instance = model(code=code, **data)
                changes = None
            else:
                instance = current
                changes = _changed(instance, data)
            try:
                instance.full_clean(exclude=["units", "superseded_by"], validate_unique=False)
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    for message in messages:
                        line.report(message, fields.get(name, name))
                continue
            counts = self.counts[key]
            if changes is None:
                counts.created += 1
            elif changes:
                counts.updated += 1
            else:
                counts.unchanged += 1
            plan.append((instance, data, changes))
        return plan

    def _learner_fields(self, client_id: str) -> tuple[dict, Line | None, Line | None]:
        line80, line85 = self.clients.get(client_id), self.postal.get(client_id)
        fields: dict = {}
        if line80:
            v = line80.values
            first = line85.values["given_name"] if line85 else ""
            fields.update(records.names_from_encryption(v["name_for_encryption"], first))
            fields.update(
                {
                    "gender": "" if v["gender"] == "@" else v["gender"],
                    "date_of_birth": v["date_of_birth"],
                    "postcode": v["postcode"],
                    "suburb": v["suburb"],
                    "state": v["state"],
                    **{name: v[name] for name in ADDRESS_FIELDS},
                }
            )
            for name in ("disability", "prior_education", "at_school", "survey_contact_status"):
                fields[name] = v[name]
            for file_field, (name, model, list_name) in CLIENT_CODES.items():
                code = v[name]
                if code:
                    entry = self._code_entries(model).get(code)
                    if entry is None:
                        line80.report(
                            NOT_IN_CODE_LIST.format(code=code, list=list_name), file_field
                        )
                    fields[name] = entry
            usi = v["usi"]
            if usi in records.EXEMPTIONS:
                fields["usi"] = None
                fields["usi_status"] = (
                    UsiStatus.EXEMPTION_INDIV if usi == "INDIV" else UsiStatus.EXEMPTION_INTOFF
                )
            elif usi:
                fields["usi"] = usi
        fields.update(self._multi_fields(client_id))
        if line85:
            v = line85.values
            fields.update({k: v[k] for k in ("title", "phone", "email", "postal_delivery_box")})
            fields.update({"given_name": v["given_name"], "family_name": v["family_name"]})
        return fields, line80, line85

    def _code_entries(self, model) -> dict:
        cache = self.__dict__.setdefault("_code_cache", {})
        if model not in cache:
            cache[model] = model.objects.in_bulk()
        return cache[model]

    def _multi_fields(self, client_id: str) -> dict:
        """Disability types (NAT00090) and prior achievements (NAT00100) of one client."""
        fields = {}
        for store, model, key, name, list_name in (
            (
                self.disabilities,
                learner_models.DisabilityType,
                "disability_type",
                "disability_types",
                "disability type",
            ),
            (
                self.prior_educations,
                learner_models.PriorEducationType,
                "prior_education",
                "prior_educations",
                "prior educational achievement",
            ),
        ):
            lines = store.get(client_id)
            if not lines:
                continue
            entries = []
            for line in lines:
                code = line.values[key]
                entry = self._code_entries(model).get(code)
                if entry is None:
                    line.report(NOT_IN_CODE_LIST.format(code=code, list=list_name), key)
                elif name == "disability_types":
                    entries.append(entry)
                else:
                    entries.append((entry, ""))
            fields[name] = entries
        return fields

    def _check_learners(self) -> None:
        client_ids = {*self.clients, *self.postal}
        for store in (self.disabilities, self.prior_educations):
            for client_id, lines in store.items():
                if client_id not in self.clients and client_id not in self.flawed:
                    for line in lines:
                        line.report(UNKNOWN_CLIENT.format(code=client_id), "client")
        referred = {a.values["client_id"] for a in self.activities}
        referred |= {line.values["client_id"] for line in self.completions}
        self.db_learners = Learner.objects.in_bulk(client_ids | referred, field_name="client_id")
        usis = {
            line.values["usi"]
            for line in self.clients.values()
            if line.values["usi"] and line.values["usi"] not in records.EXEMPTIONS
        }
        usi_owner = dict(Learner.objects.filter(usi__in=usis).values_list("usi", "client_id"))
        usi_line: dict[str, tuple[int, str]] = {}
        self.new_learners: list[Learner] = []
        self.changed_learners: list[tuple[Learner, dict, str]] = []
        counts = self.counts["learners"]
        for client_id in sorted(client_ids):
            fields, line80, line85 = self._learner_fields(client_id)
            learner = self.db_learners.get(client_id)
            if learner is None and line80 is None:
                line85.report(UNKNOWN_CLIENT.format(code=client_id), "client")
                continue
            fields = {k: v for k, v in fields.items() if v not in ("", None) or k == "usi"}
            if "usi" in fields and fields["usi"] is None and "usi_status" not in fields:
                fields.pop("usi")
            if learner is None:
                fields["client_id"] = client_id
                if fields.get("usi") and "usi_status" not in fields:
                    fields["usi_status"] = UsiStatus.NOT_VERIFIED
                learner = learner_new(actor=self.actor, fields=fields)
                changes = None
            else:
                was_status = learner.usi_status
                changes = learner_apply(learner=learner, actor=self.actor, fields=fields)
            found = learner_problems(learner, check_database=False)
            usi = learner.usi
            if usi and "usi" not in found:
                owner = usi_owner.get(usi)
                if usi in usi_line and usi_line[usi][1] != client_id:
                    found["usi"] = [
                        USI_REPEATED.format(line=usi_line[usi][0], client=usi_line[usi][1])
                    ]
                elif owner and owner != client_id:
                    other = Learner.objects.get(client_id=owner)
                    found["usi"] = [USI_TAKEN.format(client_id=owner, name=other.full_name)]
                else:
                    usi_line[usi] = (line80.number if line80 else 0, client_id)
            if found:
                self._learner_problems(found, line80, line85)
                continue
            if changes is None:
                self.new_learners.append(learner)
                counts.created += 1
            elif changes:
                self.changed_learners.append((learner, changes, was_status))
                counts.updated += 1
            else:
                counts.unchanged += 1
            self.db_learners[client_id] = learner

    @staticmethod
    def _learner_problems(found: dict, line80: Line | None, line85: Line | None) -> None:
        in_85 = {
            "title": "title",
            "email": "email",
            "phone": "phone_mobile",
            "postal_delivery_box": "po_box",
        }
        if line85:
            in_85.update({"given_name": "first_name", "family_name": "last_name"})
        in_80 = {
            "client_id": "client",
            "given_name": "name_for_encryption",
            "family_name": "name_for_encryption",
            "middle_names": "name_for_encryption",
            "usi_status": "usi",
            "labour_force_status": "labour_force",
            "disability": "disability_flag",
            "prior_education": "prior_education_flag",
            "at_school": "at_school_flag",
            "address_building": "building",
            "address_unit": "unit",
            "address_street_number": "street_number",
            "address_street_name": "street_name",
        }
        for name, messages in found.items():
            for message in messages:
                if name in in_85 and line85:
                    line85.report(message, in_85[name])
                elif line80:
                    field_name = in_80.get(name, name)
                    known = any(f.name == field_name for f in line80.report.nat.layout.fields)
                    line80.report(message, field_name if known else None)
                else:
                    line85.report(message)

    def _known(self, code: str, in_file: dict, in_db: dict) -> bool:
        return code in in_file or code in in_db or code in self.flawed

    def _check_activities(self) -> None:
        self.outcomes = {
            o.code: o for o in OutcomeCode.objects.filter(jurisdiction=self.jurisdiction)
        }
        jurisdiction = Jurisdiction(self.jurisdiction).label
        checks = (
            ("location", self.locations, self.db_locations, UNKNOWN_LOCATION),
            ("subject", self.subjects, self.db_units, UNKNOWN_SUBJECT),
        )
        valid = []
        for activity in self.activities:
            values, report = activity.values, activity.line.report
            before = report.count
            for name, in_file, in_db, message in checks:
                if not self._known(values[name], in_file, in_db):
                    report(message.format(code=values[name]), name)
            for program in activity.programs:
                if not self._known(program, self.programs, self.db_courses):
                    report(UNKNOWN_PROGRAM.format(code=program), "program")
            if not self._known(values["client_id"], self.clients, self.db_learners):
                report(UNKNOWN_CLIENT.format(code=values["client_id"]), "client")
            if values["outcome"] not in self.outcomes:
                report(
                    UNKNOWN_OUTCOME.format(code=values["outcome"], jurisdiction=jurisdiction),
                    "outcome",
                )
            commitment = values["commitment_id"]
            if len(commitment) > 10:
                report(
                    COMMITMENT_TOO_LONG.format(value=commitment, length=len(commitment)),
                    "purchasing_contract",
                )
            if report.count == before:
                valid.append(activity)
        self.activities = valid
        completions = []
        for line in self.completions:
            before = line.report.count
            if not self._known(line.values["client_id"], self.clients, self.db_learners):
                line.report(UNKNOWN_CLIENT.format(code=line.values["client_id"]), "client")
            if not self._known(line.values["program"], self.programs, self.db_courses):
                line.report(UNKNOWN_PROGRAM.format(code=line.values["program"]), "program")
            if line.report.count == before:
                completions.append(line)
        self.completions = completions
