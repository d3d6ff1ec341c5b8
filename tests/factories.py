"""Plain functions that build realistic records for tests. Every test builds what it needs."""

import itertools
from datetime import date, timedelta
from decimal import Decimal

from testamur.learners.models import Learner, UsiStatus
from testamur.learners.usi import ALPHABET, usi_check_character
from testamur.organisation.models import Organisation, Signatory
from testamur.training.models import (
    Course,
    CourseEnrolment,
    CourseOffer,
    DeliveryLocation,
    OutcomeCode,
    Unit,
    UnitEnrolment,
)

_seq = itertools.count(1)


def make_usi(n: int) -> str:
    """A valid USI derived from a number (deterministic, so tests can recreate it)."""
    body = ""
    for _ in range(9):
        body = ALPHABET[n % 32] + body
        n //= 32
    return body + usi_check_character(body)


def organisation_configured(**overrides) -> Organisation:
    from django.core.files.base import ContentFile

    org = Organisation.load()
    values = {
        "legal_name": "Harbour City Training Pty Ltd",
        "trading_name": "Harbour City Training",
        "rto_code": "41234",
        "abn": "51824753556",
        "suburb": "Parramatta",
        "state": "NSW",
        "postcode": "2150",
        "email": "credentials@harbourcity.example",
    }
    values.update(overrides)
    for key, value in values.items():
        setattr(org, key, value)
    if not org.logo:
        org.logo.save("logo.svg", ContentFile(SAMPLE_SVG), save=False)
    org.save()
    if not Signatory.objects.exists():
        Signatory.objects.create(name="Jane Citizen", title="Chief Executive Officer")
    return org


SAMPLE_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40">'
    b'<rect width="120" height="40" fill="#1f4e79"/></svg>'
)


def learner_make(**fields) -> Learner:
    n = next(_seq)
    values = {
        "client_id": f"T{n:06d}",
        "given_name": "Alex",
        "family_name": f"Learner{n}",
        "email": f"learner{n}@example.com",
        "date_of_birth": date(1995, 1, 1),
        "usi": make_usi(100000 + n),
        "usi_status": UsiStatus.VERIFIED,
        "usi_verified_on": date(2026, 1, 15),
    }
    status = fields.get("usi_status", UsiStatus.VERIFIED)
    if status not in (UsiStatus.VERIFIED, UsiStatus.NOT_VERIFIED):
        values["usi"] = None
    if status != UsiStatus.VERIFIED:
        values["usi_verified_on"] = None
    values.update(fields)
    learner = Learner(**values)
    learner.full_clean()
    learner.save()
    return learner


def unit_make(code: str | None = None, **fields) -> Unit:
    n = next(_seq)
    unit = Unit(
        code=code or f"TSTUNT{n:03d}", title=fields.pop("title", f"Test unit {n}"), **fields
    )
    unit.full_clean()
    unit.save()
    return unit


def course_make(code: str | None = None, units=(), **fields) -> Course:
    n = next(_seq)
    values = {
        "title": f"Certificate III in Testing {n}",
        "course_type": "qualification",
        "aqf_level": 3,
    }
    values.update(fields)
    course = Course(code=code or f"TST3{n:04d}", **values)
    course.full_clean()
    course.save()
    course.units.set(units)
    return course


def location_make(**fields) -> DeliveryLocation:
    n = next(_seq)
    values = {
        "code": f"LOC{n}",
        "name": f"Campus {n}",
        "suburb": "Parramatta",
        "state": "NSW",
        "postcode": "2150",
    }
    values.update(fields)
    return DeliveryLocation.objects.create(**values)


def offer_make(course: Course | None = None, **fields) -> CourseOffer:
    n = next(_seq)
    values = {
        "code": f"OFFER-{n}",
        "start_date": date(2026, 2, 2),
        "end_date": date(2026, 11, 27),
        "trainer": "Sam Trainer",
    }
    values.update(fields)
    offer = CourseOffer(course=course or course_make(), **values)
    offer.full_clean()
    offer.save()
    return offer


def outcome(code: str, jurisdiction: str = "national") -> OutcomeCode:
    return OutcomeCode.objects.get(jurisdiction=jurisdiction, code=code)


def enrolment_make(
    learner: Learner | None = None, offer: CourseOffer | None = None, outcomes=None, **fields
) -> CourseEnrolment:
    """A course enrolment with a unit enrolment per course unit; `outcomes`: unit code → code."""
    offer = offer or offer_make()
    enrolment = CourseEnrolment.objects.create(
        learner=learner or learner_make(),
        offer=offer,
        commencement_date=fields.pop("commencement_date", offer.start_date),
        **fields,
    )
    outcomes = outcomes or {}
    for index, unit in enumerate(offer.course.units.order_by("code")):
        start = offer.start_date + timedelta(days=14 * index)
        UnitEnrolment.objects.create(
            course_enrolment=enrolment,
            unit=unit,
            start_date=start,
            end_date=start + timedelta(days=13),
            scheduled_hours=Decimal(unit.nominal_hours or 20),
            outcome=outcome(outcomes.get(unit.code, "70")),
        )
    return enrolment


def template_make(credential_type: str = "statement_of_attainment", name: str | None = None):
    """A credential template with an active version whose source is the built-in one."""
    from testamur.credentials.models import (
        CredentialTemplate,
        CredentialTemplateVersion,
        TemplateVersionState,
    )

    n = next(_seq)
    template = CredentialTemplate.objects.create(
        name=name or f"Test {credential_type} {n}", credential_type=credential_type
    )
    CredentialTemplateVersion.objects.create(
        template=template,
        number=1,
        source=_builtin_source(credential_type),
        state=TemplateVersionState.ACTIVE,
    )
    return template


def _builtin_source(credential_type: str) -> str:
    try:
        from testamur.credentials.rendering.engine import builtin_source
    except ImportError:
        return '#let data = json(bytes(sys.inputs.at("data")))\n= #data.credential.type_label'
    return builtin_source(credential_type)


def credential_make(enrolment=None, credential_type: str = "statement_of_attainment", **fields):
    """A Requested credential for an enrolment (made through the service, as the UI does)."""
    from testamur.accounts.models import User
    from testamur.credentials.services import credential_request

    enrolment = enrolment or enrolment_make()
    actor = fields.pop("actor", None) or User.objects.filter(is_superuser=True).first()
    if actor is None:
        actor = User.objects.create_superuser("system-tests", "system@example.com", "x" * 20)
    return credential_request(
        actor=actor,
        course_enrolment=enrolment,
        template=fields.pop("template", None) or template_make(credential_type),
        credential_date=fields.pop("credential_date", date(2026, 11, 20)),
        **fields,
    )
