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


def organisation_configured(*, official_logos: bool = True, **overrides) -> Organisation:
    """An RTO ready to issue: details, logo, a signatory and (unless told not to) stand-ins
    for the official NRT and AQF artwork, so documents carry no placeholder."""
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
    if official_logos and not org.nrt_logo:
        org.nrt_logo.save("nrt-logo.svg", ContentFile(OFFICIAL_NRT_SVG), save=False)
    if official_logos and not org.aqf_logo:
        org.aqf_logo.save("aqf-logo.svg", ContentFile(OFFICIAL_AQF_SVG), save=False)
    org.save()
    if not Signatory.objects.exists():
        Signatory.objects.create(name="Jane Citizen", title="Chief Executive Officer")
    return org


SAMPLE_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40">'
    b'<rect width="120" height="40" fill="#1f4e79"/></svg>'
)
# Stand-ins for the official artwork (the real logos are trade marks, licensed to RTOs).
OFFICIAL_NRT_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="240" height="96">'
    b'<rect width="240" height="96" fill="#00703c"/>'
    b'<text x="120" y="58" text-anchor="middle" font-size="28" fill="#fff">NRT OFFICIAL</text>'
    b"</svg>"
)
OFFICIAL_AQF_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="240" height="96">'
    b'<rect width="240" height="96" fill="#003b5c"/>'
    b'<text x="120" y="58" text-anchor="middle" font-size="28" fill="#fff">AQF OFFICIAL</text>'
    b"</svg>"
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


def system_actor():
    """A superuser standing in for whoever did the set-up a test needs."""
    from testamur.accounts.models import User

    actor = User.objects.filter(is_superuser=True).first()
    return actor or User.objects.create_superuser("system-tests", "system@example.com", "x" * 20)


def credential_make(enrolment=None, credential_type: str = "statement_of_attainment", **fields):
    """A Requested credential for an enrolment (made through the service, as the UI does)."""
    from testamur.credentials.services import credential_request

    enrolment = enrolment or enrolment_make()
    actor = fields.pop("actor", None) or system_actor()
    return credential_request(
        actor=actor,
        course_enrolment=enrolment,
        template=fields.pop("template", None) or template_make(credential_type),
        credential_date=fields.pop("credential_date", date(2026, 11, 20)),
        **fields,
    )


def units_make(*codes: str) -> list[Unit]:
    """Units with these codes (existing ones reused)."""
    found = Unit.objects.in_bulk(list(codes), field_name="code")
    return [found.get(code) or unit_make(code, title=f"Unit {code}") for code in codes]


def packaging_rule_make(
    qualification: Course,
    *,
    total: int,
    core=(),
    groups=(),
    majors=None,
    imported: int = 0,
):
    """A packaging rule made through the services, as the rules tab does.

    `groups`: (key, name, at_least, unit codes); `majors`: name -> {"core": codes,
    "groups": [(key, name, at_least, codes)]}.
    """
    from testamur.qualifications import services

    actor = system_actor()
    rule = services.packaging_rule_save(
        actor=actor,
        qualification=qualification,
        units_required=total,
        imported_electives_limit=imported,
        core_units=units_make(*core),
    )
    for key, name, at_least, codes in groups:
        services.elective_group_save(
            actor=actor, rule=rule, key=key, name=name, at_least=at_least, units=units_make(*codes)
        )
    for name, parts in (majors or {}).items():
        major = services.major_save(
            actor=actor, rule=rule, name=name, core_units=units_make(*parts.get("core", ()))
        )
        for key, group_name, at_least, codes in parts.get("groups", ()):
            services.elective_group_save(
                actor=actor,
                rule=rule,
                major=major,
                key=key,
                name=group_name,
                at_least=at_least,
                units=units_make(*codes),
            )
    rule.refresh_from_db()
    return rule


def results_make(learner: Learner, outcomes: dict[str, str], **fields) -> CourseEnrolment:
    """A course enrolment in which the learner has these unit outcomes (unit code -> code)."""
    course = course_make(
        units=units_make(*outcomes), course_type="skill_set", aqf_level=None, **fields
    )
    return enrolment_make(learner=learner, offer=offer_make(course), outcomes=outcomes)


def qualification_enrolment_make(learner=None, qualification=None, major: str | None = None):
    """A qualification enrolment made through the service (so it is audited straight away)."""
    from testamur.qualifications.models import Major
    from testamur.qualifications.services import qualification_enrolment_create

    major_obj = Major.objects.get(rule__qualification=qualification, name=major) if major else None
    return qualification_enrolment_create(
        actor=system_actor(),
        learner=learner or learner_make(),
        qualification=qualification,
        major=major_obj,
    )


def issuance_record_make(credential, *, document_sha256: str = "0" * 64):
    """The completed issuance record of a credential a test moved to Issued directly: what
    the issue path freezes (names, units, course, dates as they are now) and completes."""
    from django.utils import timezone

    from testamur.credentials.documents import DocumentBatch
    from testamur.credentials.models import Credential

    credential = Credential.objects.select_related(
        "learner", "template", "course", "course_enrolment__offer__course"
    ).get(pk=credential.pk)
    if not credential.verification_code:
        credential.verification_code = f"code-{credential.pk:016d}"
        Credential.objects.filter(pk=credential.pk).update(
            verification_code=credential.verification_code
        )
    record = DocumentBatch([credential]).issuance(credential, issued_on=credential.issued_on)
    record.frozen_at = record.issued_at = credential.issued_at or timezone.now()
    record.document_sha256 = document_sha256
    record.save()
    return record
