"""Grouping NAT00120 training activity into course enrolments, offers and unit enrolments.

Consecutive lines that differ only in the program identifier are one unit enrolment reported
under several programs (a transitioned learner); a learner's lines for the same programs,
delivery location and training-organisation outcome are one course enrolment (a second
enrolment when a unit repeats). Such an enrolment is matched to the learner's existing
enrolment in that course at that location; otherwise it is enrolled in an offer of the course
at that location covering its first start date, or in an offer made for the import
(course-location-year). A mixin of AvetmissImport.
"""

import re
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError

from testamur.interchange.avetmiss import records
from testamur.interchange.avetmiss.import_checks import Activity, Line
from testamur.training.models import (
    CourseEnrolment,
    CourseOffer,
    EnrolmentStatus,
    UnitEnrolment,
    training_organisation_outcome_for,
)
from testamur.training.outcome_codes import NOT_SET, WITHDRAWN
from testamur.training.services import (
    enrolment_apply,
    enrolment_rule_errors,
    unit_enrolment_apply,
    unit_enrolment_rule_errors,
)

NO_ENROLMENT_FOR_COMPLETION = (
    "NAT00120 has no training activity, and Testamur no enrolment, for client {client} in "
    "program {program}."
)


@dataclass
class NewOffer:
    code: str
    course: str
    location: str
    start: date
    end: date
    offer: CourseOffer | None = None


@dataclass
class EnrolmentPlan:
    client_id: str
    programs: list[str]
    location: str
    outcome_to: str
    activities: dict[str, Activity] = field(default_factory=dict)
    completion: Line | None = None
    enrolment: CourseEnrolment | None = None
    existing: bool = False
    changes: dict = field(default_factory=dict)
    was_status: str = ""
    offer: CourseOffer | NewOffer | None = None

    @property
    def course(self) -> str:
        return self.programs[0]

    @property
    def first_start(self) -> date:
        return min(a.values["start_date"] for a in self.activities.values())

    @property
    def last_end(self) -> date:
        return max(a.values["end_date"] for a in self.activities.values())


class EnrolmentPlanning:
    """Plans each course enrolment, its offer and its unit enrolments; nothing is saved."""

    def _plan_enrolments(self) -> None:
        groups: dict[tuple, list[EnrolmentPlan]] = {}
        self.plans: list[EnrolmentPlan] = []
        for activity in self.activities:
            v = activity.values
            key = (
                v["client_id"],
                tuple(activity.programs),
                v["location"],
                v["outcome_training_organisation"],
            )
            buckets = groups.setdefault(key, [])
            plan = next((p for p in buckets if v["subject"] not in p.activities), None)
            if plan is None:
                plan = EnrolmentPlan(v["client_id"], list(activity.programs), v["location"], key[3])
                buckets.append(plan)
                self.plans.append(plan)
            plan.activities[v["subject"]] = activity
        self._load_enrolments()
        for plan in self.plans:
            self._match_enrolment(plan)
        self.completion_only: list[EnrolmentPlan] = []
        for line in self.completions:
            self._place_completion(line)
        self._plan_offers()
        for plan in [*self.plans, *self.completion_only]:
            self._build_enrolment(plan)
        self._build_unit_enrolments()

    def _load_enrolments(self) -> None:
        learner_ids = [learner.pk for learner in self.db_learners.values() if learner.pk]
        self.db_enrolments: dict[tuple, list[CourseEnrolment]] = {}
        found = CourseEnrolment.objects.filter(learner_id__in=learner_ids).select_related(
            "learner", "offer__course", "offer__location"
        )
        for enrolment in found.order_by("offer__start_date", "pk"):
            location = enrolment.offer.location.code if enrolment.offer.location else ""
            key = (enrolment.learner.client_id, enrolment.offer.course.code)
            self.db_enrolments.setdefault((*key, location), []).append(enrolment)
            self.db_enrolments.setdefault(key, []).append(enrolment)
        self.claimed: set[int] = set()

    def _match_enrolment(self, plan: EnrolmentPlan) -> None:
        candidates = [
            e
            for e in self.db_enrolments.get((plan.client_id, plan.course, plan.location), [])
            if e.pk not in self.claimed
        ]
        if not candidates:
            return

        def distance(enrolment):
            same_outcome = enrolment.training_organisation_outcome == plan.outcome_to
            start = enrolment.commencement_date or enrolment.offer.start_date
            return (not same_outcome, abs((start - plan.first_start).days))

        enrolment = min(candidates, key=distance)
        self.claimed.add(enrolment.pk)
        plan.enrolment, plan.existing = enrolment, True

    def _place_completion(self, line: Line) -> None:
        client, program = line.values["client_id"], line.values["program"]
        completed_on = line.values["completed_on"]
        candidates = [
            p
            for p in self.plans
            if p.client_id == client
            and p.course == program
            and p.outcome_to == ""
            and p.completion is None
        ]
        if candidates:
            before = [p for p in candidates if p.last_end <= completed_on]
            plan = max(before or candidates, key=lambda p: p.last_end)
            plan.completion = line
            return
        enrolments = [
            e for e in self.db_enrolments.get((client, program), []) if e.pk not in self.claimed
        ]
        if not enrolments:
            line.report(NO_ENROLMENT_FOR_COMPLETION.format(client=client, program=program))
            return
        enrolment = enrolments[-1]
        self.claimed.add(enrolment.pk)
        plan = EnrolmentPlan(client, [program], "", "", completion=line)
        plan.enrolment, plan.existing = enrolment, True
        self.completion_only.append(plan)

    def _plan_offers(self) -> None:
        """An offer for each new enrolment: one covering its start, else one for the import."""
        offers = CourseOffer.objects.filter(
            course__code__in={p.course for p in self.plans}
        ).select_related("course", "location")
        by_place: dict[tuple[str, str], list[CourseOffer]] = {}
        self.offers_by_code: dict[str, CourseOffer] = {}
        for offer in offers:
            location = offer.location.code if offer.location else ""
            by_place.setdefault((offer.course.code, location), []).append(offer)
        self.new_offers: dict[str, NewOffer] = {}
        self.widened: dict[str, CourseOffer] = {}
        taken = set(CourseOffer.objects.values_list("code", flat=True))
        for plan in self.plans:
            if plan.existing:
                continue
            start, end = plan.first_start, plan.last_end
            place = (plan.course, plan.location)
            covering = [o for o in by_place.get(place, []) if o.start_date <= start <= o.end_date]
            if covering:
                plan.offer = covering[0]
                continue
            code = self._offer_code(plan.course, plan.location, start.year)
            existing = next((o for o in by_place.get(place, []) if o.code == code), None)
            if existing is not None:
                existing.start_date = min(existing.start_date, start)
                existing.end_date = max(existing.end_date, end)
                self.widened[code] = existing
                plan.offer = existing
                continue
            new = self.new_offers.get(code)
            if new is None:
                suffix, unique = 1, code
                while unique in taken:
                    suffix += 1
                    unique = f"{code}-{suffix}"
                new = self.new_offers[code] = NewOffer(
                    unique, plan.course, plan.location, start, end
                )
                taken.add(unique)
            new.start, new.end = min(new.start, start), max(new.end, end)
            plan.offer = new
        self.counts["offers"].created = len(self.new_offers)
        self.counts["offers"].updated = len(self.widened)

    @staticmethod
    def _offer_code(course: str, location: str, year: int) -> str:
        safe = re.sub(r"[^A-Za-z0-9_.-]", "", location)
        return f"{course}-{safe}-{year}"[:30]

    def _status(self, plan: EnrolmentPlan) -> str:
        if plan.outcome_to == "D":
            return EnrolmentStatus.DEFERRED
        if plan.outcome_to == "TNC":
            outcomes = {a.values["outcome"] for a in plan.activities.values()}
            if outcomes <= {NOT_SET}:
                return EnrolmentStatus.CANCELLED_NO_PENALTY
            if WITHDRAWN[self.jurisdiction] in outcomes:
                return EnrolmentStatus.WITHDRAWN
            return EnrolmentStatus.PARTIAL_ATTENDANCE
        return EnrolmentStatus.COMPLETED if plan.completion else EnrolmentStatus.ACTIVE

    def _build_enrolment(self, plan: EnrolmentPlan) -> None:
        data: dict = {}
        extra: dict = {}
        if plan.activities:
            first = next(iter(plan.activities.values())).values
            if first["commitment_id"]:
                data["commitment_id"] = first["commitment_id"]
            if len(plan.programs) > 1:
                for name, code in zip(
                    ("program_id_1", "program_id_2", "program_id_3"), plan.programs, strict=False
                ):
                    data[name] = code
        if plan.completion:
            completion = plan.completion.values
            data["completion_date"] = completion["completed_on"]
            if completion["issued"]:
                extra["qual_issued"] = True
        if plan.existing:
            enrolment = plan.enrolment
            plan.was_status = enrolment.status
            derived = training_organisation_outcome_for(enrolment.status)
            if plan.activities and derived != plan.outcome_to:
                data["status"] = self._status(plan)
            if plan.completion and enrolment.status != EnrolmentStatus.COMPLETED:
                data["status"] = EnrolmentStatus.COMPLETED
            if plan.activities and (
                enrolment.commencement_date is None
                or enrolment.commencement_date > plan.first_start
            ):
                data["commencement_date"] = plan.first_start
            plan.changes = enrolment_apply(enrolment=enrolment, data=data)
            if extra and not enrolment.qual_issued:
                enrolment.qual_issued = True
                enrolment.issued_date = enrolment.issued_date or data["completion_date"]
                plan.changes["qual_issued"] = ["False", "True"]
                plan.changes["issued_date"] = ["", str(enrolment.issued_date)]
        else:
            enrolment = CourseEnrolment(commencement_date=plan.first_start)
            data["status"] = self._status(plan)
            enrolment_apply(enrolment=enrolment, data=data)
            if extra:
                enrolment.qual_issued = True
                enrolment.issued_date = data["completion_date"]
            plan.enrolment = enrolment
        errors = enrolment_rule_errors(enrolment)
        try:
            enrolment.full_clean(
                exclude=["learner", "offer", "transitioned_from", *errors],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as exc:
            errors.update({k: " ".join(v) for k, v in exc.message_dict.items()})
        if errors:
            line = plan.completion or next(iter(plan.activities.values())).line
            for message in errors.values():
                line.report(message)
            return
        counts = self.counts["enrolments"]
        if not plan.existing:
            counts.created += 1
        elif plan.changes:
            counts.updated += 1
        else:
            counts.unchanged += 1

    def _build_unit_enrolments(self) -> None:
        existing_ids = [p.enrolment.pk for p in self.plans if p.existing]
        self.db_unit_enrolments: dict[tuple[int, str], UnitEnrolment] = {}
        for start in range(0, len(existing_ids), 500):
            for unit_enrolment in UnitEnrolment.objects.filter(
                course_enrolment_id__in=existing_ids[start : start + 500]
            ).select_related("unit", "outcome"):
                key = (unit_enrolment.course_enrolment_id, unit_enrolment.unit.code)
                self.db_unit_enrolments[key] = unit_enrolment
        counts = self.counts["unit_enrolments"]
        self.unit_work: list[tuple[EnrolmentPlan, str, UnitEnrolment, dict | None]] = []
        for plan in self.plans:
            derived = training_organisation_outcome_for(plan.enrolment.status)
            for code, activity in plan.activities.items():
                v = activity.values
                data = {
                    "start_date": v["start_date"],
                    "end_date": v["end_date"],
                    "delivery_mode": v["delivery_mode"],
                    "outcome": self.outcomes[v["outcome"]],
                    "actual_hours": v["hours_attended"],
                    "scheduled_hours": v["scheduled_hours"],
                }
                current = (
                    self.db_unit_enrolments.get((plan.enrolment.pk, code))
                    if plan.existing
                    else None
                )
                if current is None:
                    unit_enrolment = UnitEnrolment(**data)
                    changes = None
                else:
                    # The files hold whole hours: keep the half hours Testamur has.
                    for name in ("actual_hours", "scheduled_hours"):
                        if records.whole_hours(getattr(current, name)) == data[name]:
                            del data[name]
                    unit_enrolment = current
                    changes = unit_enrolment_apply(unit_enrolment=current, data=data)
                stale = unit_enrolment.training_organisation_outcome != derived
                unit_enrolment.training_organisation_outcome = derived
                errors = unit_enrolment_rule_errors(
                    unit_enrolment,
                    jurisdiction=self.jurisdiction,
                    outcome=data.get("outcome"),
                    today=self.today,
                )
                try:
                    unit_enrolment.full_clean(
                        exclude=["course_enrolment", "unit", "outcome", *errors],
                        validate_unique=False,
                        validate_constraints=False,
                    )
                except ValidationError as exc:
                    errors.update({k: " ".join(v) for k, v in exc.message_dict.items()})
                if errors:
                    for message in errors.values():
                        activity.line.report(message)
                    continue
                if changes is None:
                    counts.created += 1
                elif changes or stale:
                    counts.updated += 1
                else:
                    counts.unchanged += 1
                    continue
                self.unit_work.append((plan, code, unit_enrolment, changes))
