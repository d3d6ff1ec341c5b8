"""AVETMISS export, the records activity and completions refer to: the RTO (NAT00010),
locations (NAT00020), programs (NAT00030), subjects (NAT00060) and clients (NAT00080–NAT00100).

Each file holds exactly what export_activity collected in `refs`, in code order.
"""

from collections.abc import Iterator

from django.urls import reverse

from testamur.interchange.avetmiss import records
from testamur.interchange.avetmiss.export_activity import VALUE_TOO_LARGE
from testamur.interchange.avetmiss.fixed_width import FieldTooLong
from testamur.interchange.avetmiss.validation import Context
from testamur.learners import models as learner_models
from testamur.learners.models import Learner
from testamur.training.models import Course, DeliveryLocation, Unit

PROGRAM_NOT_A_COURSE = (
    "Program identifier {code} (learner {client}) is not a course in Testamur; add the course so "
    "NAT00030 can name it."
)


class ReferencedFiles:
    """NAT00010 to NAT00100 of one export; uses `problem`, `refs`, `toid`, `organisation`
    and `period` of the export (export._Export)."""

    def nat00010(self) -> Iterator[tuple[str, Context]]:
        organisation = self.organisation
        yield (
            records.nat00010_line(
                toid=organisation.rto_code,
                name=organisation.legal_name or organisation.trading_name,
                address_line=organisation.address_line,
                suburb=organisation.suburb,
                postcode=organisation.postcode,
                state=organisation.state,
                phone=organisation.phone,
                email=organisation.email,
            ),
            Context("The RTO", reverse("organisation:settings")),
        )

    def nat00020(self) -> Iterator[tuple[str, Context]]:
        for location in DeliveryLocation.objects.filter(pk__in=self.refs.locations).order_by(
            "code"
        ):
            context = Context(
                f"Location {location.code}",
                reverse("training:location_edit", args=[location.pk]),
            )
            yield (
                records.nat00020_line(
                    toid=self.toid,
                    code=location.code,
                    name=location.name,
                    postcode=location.postcode,
                    state=location.state,
                    suburb=location.suburb,
                ),
                context,
            )

    def nat00030(self) -> Iterator[tuple[str, Context]]:
        refs = self.refs
        courses = Course.objects.in_bulk(list(refs.programs), field_name="code")
        for code in sorted(refs.programs):
            course = courses.get(code)
            if course is None:
                self.problem(
                    PROGRAM_NOT_A_COURSE.format(code=code, client=refs.programs[code]),
                    file="NAT00030",
                    rule="PROGRAM",
                    context=Context(f"Program {code}", reverse("training:course_create")),
                )
                continue
            context = Context(f"Course {code}", reverse("training:course_detail", args=[course.pk]))
            try:
                line = records.nat00030_line(
                    code=course.code, title=course.title, nominal_hours=course.nominal_hours
                )
            except FieldTooLong as exc:
                message = VALUE_TOO_LARGE.format(what=code, problem=exc)
                self.problem(message, file="NAT00030", rule="TOO-LONG", context=context)
                continue
            yield line, context

    def nat00060(self) -> Iterator[tuple[str, Context]]:
        for unit in Unit.objects.filter(pk__in=self.refs.units).order_by("code"):
            context = Context(f"Unit {unit.code}", reverse("training:unit_edit", args=[unit.pk]))
            try:
                line = records.nat00060_line(
                    code=unit.code,
                    title=unit.title,
                    field_of_education=unit.field_of_education,
                    is_vet=unit.is_vet,
                    nominal_hours=unit.nominal_hours,
                )
            except FieldTooLong as exc:
                message = VALUE_TOO_LARGE.format(what=unit.code, problem=exc)
                self.problem(message, file="NAT00060", rule="TOO-LONG", context=context)
                continue
            yield line, context

    def _learners(self, *related):
        ids = sorted(self.refs.learners)
        for start in range(0, len(ids), 2000):
            chunk = Learner.objects.filter(pk__in=ids[start : start + 2000]).order_by("client_id")
            yield from chunk.prefetch_related(*related)

    @staticmethod
    def _context(learner: Learner) -> Context:
        return Context(
            f"Learner {learner.client_id} ({learner.full_name})",
            reverse("learners:detail", args=[learner.pk]),
        )

    def nat00080(self) -> Iterator[tuple[str, Context]]:
        for learner in self._learners():
            yield (
                records.nat00080_line(
                    client_id=learner.client_id,
                    family_name=learner.family_name,
                    given_name=learner.given_name,
                    middle_names=learner.middle_names,
                    gender=learner.gender,
                    date_of_birth=learner.date_of_birth,
                    postcode=learner.postcode,
                    suburb=learner.suburb,
                    state=learner.state,
                    usi=learner.usi,
                    usi_status=learner.usi_status,
                    address=_address(learner),
                    school_level=learner.school_level_id or "",
                    indigenous_status=learner.indigenous_status_id or "",
                    language=learner.language_id or "",
                    labour_force_status=learner.labour_force_status_id or "",
                    country_of_birth=learner.country_of_birth_id or "",
                    disability=learner.disability,
                    prior_education=learner.prior_education,
                    at_school=learner.at_school,
                    survey_contact=records.survey_contact_status(
                        learner.survey_contact_status,
                        state=learner.state,
                        date_of_birth=learner.date_of_birth,
                        as_at=self.period.as_at,
                    ),
                ),
                self._context(learner),
            )

    def nat00085(self) -> Iterator[tuple[str, Context]]:
        for learner in self._learners():
            yield (
                records.nat00085_line(
                    client_id=learner.client_id,
                    title=learner.title,
                    given_name=learner.given_name,
                    family_name=learner.family_name,
                    address=_address(learner),
                    po_box=learner.postal_delivery_box,
                    suburb=learner.suburb,
                    postcode=learner.postcode,
                    state=learner.state,
                    phone=learner.phone,
                    email=learner.email,
                ),
                self._context(learner),
            )

    def nat00090(self) -> Iterator[tuple[str, Context]]:
        for learner in self._learners("disability_types"):
            if learner.disability != learner_models.YesNo.YES:
                continue
            types = sorted(t.code for t in learner.disability_types.all())
            for code in types or [records.DISABILITY_NOT_SPECIFIED]:
                line = records.nat00090_line(client_id=learner.client_id, disability_type=code)
                yield line, self._context(learner)

    def nat00100(self) -> Iterator[tuple[str, Context]]:
        for learner in self._learners("prior_educations"):
            if learner.prior_education != learner_models.YesNo.YES:
                continue
            for code in sorted(p.achievement_id for p in learner.prior_educations.all()):
                line = records.nat00100_line(client_id=learner.client_id, prior_education=code)
                yield line, self._context(learner)


def _address(learner: Learner) -> dict[str, str]:
    return {
        "building": learner.address_building,
        "unit": learner.address_unit,
        "street_number": learner.address_street_number,
        "street_name": learner.address_street_name,
    }
