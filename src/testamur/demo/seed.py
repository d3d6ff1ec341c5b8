"""Load the demo RTO, Harbour City Training, with staff, courses, offers, learners and results.

Idempotent: every row is keyed on its natural key (unit code, course code, offer code, learner
ID, learner × offer, enrolment × unit) and only missing rows are created; nothing that exists is
changed, so a demo someone has edited keeps their edits. The plan is drawn from a fixed random
seed, so every run wants the same rows. Rows are written in bulk and each run records one summary
event.
"""

import io
import os
import random
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from testamur.accounts.models import User
from testamur.accounts.roles import Role
from testamur.accounts.services import user_create, user_set_active, user_set_role
from testamur.core.events import event_record
from testamur.core.spreadsheets import csv_writer
from testamur.demo import people
from testamur.demo.plan import RANDOM_SEED, EnrolmentPlan, plan_enrolments, plan_learners
from testamur.demo.rto import (
    LOCATIONS,
    LOGO_SVG,
    OFFERS,
    OFFICIAL_LOGOS,
    ORGANISATION,
    signature_svg,
)
from testamur.demo.training_products import PRODUCTS, UNITS, TrainingProduct
from testamur.learners.models import Learner, UsiStatus
from testamur.learners.services import multi_save
from testamur.organisation.models import Jurisdiction, Organisation, Signatory
from testamur.qualifications.models import PackagingRule, QualificationEnrolment
from testamur.qualifications.rule_file import COLUMNS
from testamur.qualifications.services import packaging_rule_load, qualification_enrolments_audit
from testamur.training.models import (
    Course,
    CourseEnrolment,
    CourseOffer,
    DeliveryLocation,
    EnrolmentStatus,
    OutcomeCode,
    Unit,
    UnitEnrolment,
    training_organisation_outcome_for,
)

LOGINS_FILENAME = "demo-logins.txt"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str


@dataclass
class DemoResult:
    logins: list[DemoLogin]
    logins_path: Path
    totals: dict[str, int]
    created: dict[str, int]


def logins_path() -> Path:
    return Path(settings.VAR_DIR) / LOGINS_FILENAME


def _read_logins(path: Path) -> dict[str, str]:
    saved = {}
    if path.exists():
        for line in path.read_text().splitlines():
            parts = line.split()
            if len(parts) == 3 and not line.startswith("#"):
                saved[parts[0]] = parts[1]
    return saved


def _write_logins(path: Path, logins: list[DemoLogin]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Testamur demo logins, made by `manage.py seed_demo`. Private: never commit or share.",
        "# username  password  role",
        *(f"{login.username}\t{login.password}\t{login.role}" for login in logins),
    ]
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    path.chmod(0o600)


def _ensure_staff(path: Path) -> tuple[list[DemoLogin], dict[str, User]]:
    """One user per role. Passwords are made on the first run and reused from the file after."""
    saved = _read_logins(path)
    logins, users = [], {}
    for username, role, first_name, last_name, _position in people.STAFF:
        password = saved.get(username) or secrets.token_urlsafe(12)
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(
                username=username,
                role=Role(role),
                password=password,
                email=f"{first_name}.{last_name}@harbourcity.example".lower(),
                first_name=first_name,
                last_name=last_name,
            )
        else:
            user.set_password(password)
            user.save(update_fields=["password"])
            if not user.is_active:
                user_set_active(user=user, is_active=True, actor=None)
            if user.role != Role(role):
                user_set_role(user=user, role=Role(role), actor=None)
        logins.append(DemoLogin(username, password, role))
        users[username] = user
    if {login.username: login.password for login in logins} != saved:
        _write_logins(path, logins)
    else:
        path.chmod(0o600)
    return logins, users


def _ensure_organisation(issuing_officer: User) -> None:
    organisation = Organisation.load()
    if not organisation.rto_code:  # never set up: make it the demo RTO
        for name, value in ORGANISATION.items():
            setattr(organisation, name, value)
        organisation.default_issuing_officer = issuing_officer
        organisation.full_clean()
        organisation.save()
    logo = organisation.logo
    if not logo or not logo.storage.exists(logo.name):
        logo.save("harbour-city-training-logo.svg", ContentFile(LOGO_SVG), save=True)
    for field, artwork in OFFICIAL_LOGOS.items():
        image = getattr(organisation, field)
        if not image or not image.storage.exists(image.name):
            image.save(f"{field.replace('_', '-')}.svg", ContentFile(artwork), save=True)

    for index, (name, title) in enumerate(people.SIGNATORIES):
        signatory, _ = Signatory.objects.get_or_create(name=name, defaults={"title": title})
        signature = signatory.signature
        if not signature or not signature.storage.exists(signature.name):
            filename = f"{name.lower().replace(' ', '-')}.svg"
            signature.save(filename, ContentFile(signature_svg(index)), save=True)

    for code, name, suburb, state, postcode in LOCATIONS:
        DeliveryLocation.objects.get_or_create(
            code=code,
            defaults={"name": name, "suburb": suburb, "state": state, "postcode": postcode},
        )


def _ensure_training_products(created: dict[str, int]) -> tuple[dict, dict]:
    existing = set(Unit.objects.filter(code__in=UNITS).values_list("code", flat=True))
    new_units = [
        Unit(code=code, title=title, nominal_hours=hours)
        for code, (title, hours) in UNITS.items()
        if code not in existing
    ]
    Unit.objects.bulk_create(new_units)
    created["units"] = len(new_units)
    units = Unit.objects.in_bulk(list(UNITS), field_name="code")

    codes = [product.code for product in PRODUCTS]
    existing = set(Course.objects.filter(code__in=codes).values_list("code", flat=True))
    new_courses = [
        Course(
            code=product.code,
            title=product.title,
            course_type=product.course_type,
            aqf_level=product.aqf_level,
            nominal_hours=product.nominal_hours,
        )
        for product in PRODUCTS
        if product.code not in existing
    ]
    for course in new_courses:
        course.full_clean(validate_unique=False)
    Course.objects.bulk_create(new_courses)
    created["courses"] = len(new_courses)
    courses = Course.objects.in_bulk(codes, field_name="code")
    for product in PRODUCTS:
        courses[product.code].units.add(*(units[code] for code in product.unit_codes))
    return units, courses


def _ensure_offers(today: date, courses: dict, created: dict[str, int]) -> dict[str, CourseOffer]:
    locations = DeliveryLocation.objects.in_bulk(
        [code for code, *_ in LOCATIONS], field_name="code"
    )
    codes = [offer.code for offer in OFFERS]
    existing = CourseOffer.objects.in_bulk(codes, field_name="code")
    created["offers"] = 0
    for plan in OFFERS:
        if plan.code in existing:
            continue
        offer = CourseOffer(
            course=courses[plan.product.code],
            code=plan.code,
            start_date=today + timedelta(days=plan.start),
            end_date=today + timedelta(days=plan.end),
            location=locations[plan.location],
            trainer=plan.trainer,
        )
        offer.full_clean()
        offer.save()
        created["offers"] += 1
    return CourseOffer.objects.in_bulk(codes, field_name="code")


def _ensure_learners(
    learners: list[Learner], verifier: User, created: dict[str, int]
) -> dict[str, Learner]:
    client_ids = [learner.client_id for learner in learners]
    existing = set(
        Learner.objects.filter(client_id__in=client_ids).values_list("client_id", flat=True)
    )
    new = [learner for learner in learners if learner.client_id not in existing]
    # A USI someone has since given another learner cannot be reused: record it as not supplied.
    taken = set(
        Learner.objects.filter(usi__in=[lr.usi for lr in new if lr.usi]).values_list(
            "usi", flat=True
        )
    )
    for learner in new:
        if learner.usi in taken:
            learner.usi, learner.usi_status = None, UsiStatus.NOT_SUPPLIED
            learner.usi_verified_on, learner.usi_evidence = None, ""
        if learner.usi_status == UsiStatus.VERIFIED:
            learner.usi_verified_by = verifier
        learner.full_clean(
            exclude=["usi_verified_by"], validate_unique=False, validate_constraints=False
        )
    Learner.objects.bulk_create(new, batch_size=500)
    multi_save(new)
    created["learners"] = len(new)
    return Learner.objects.in_bulk(client_ids, field_name="client_id")


def _ensure_enrolments(
    plans: list[EnrolmentPlan],
    learners: dict[str, Learner],
    offers: dict[str, CourseOffer],
    units: dict[str, Unit],
    created: dict[str, int],
) -> None:
    demo_offers = list(offers.values())
    existing = set(
        CourseEnrolment.objects.filter(offer__in=demo_offers).values_list("learner_id", "offer_id")
    )
    new = [
        CourseEnrolment(
            learner=learners[plan.client_id],
            offer=offers[plan.offer_code],
            status=plan.status,
            status_reason=plan.status_reason,
            commencement_date=plan.commencement_date,
            completion_date=plan.completion_date,
        )
        for plan in plans
        if (learners[plan.client_id].pk, offers[plan.offer_code].pk) not in existing
    ]
    CourseEnrolment.objects.bulk_create(new, batch_size=500)
    created["enrolments"] = len(new)

    enrolment_ids = {
        (learner_id, offer_id): pk
        for pk, learner_id, offer_id in CourseEnrolment.objects.filter(
            offer__in=demo_offers
        ).values_list("pk", "learner_id", "offer_id")
    }
    existing_units = set(
        UnitEnrolment.objects.filter(course_enrolment__offer__in=demo_offers).values_list(
            "course_enrolment_id", "unit_id"
        )
    )
    outcomes = {
        outcome.code: outcome
        for outcome in OutcomeCode.objects.filter(jurisdiction=Jurisdiction.NATIONAL)
    }
    new_units = []
    for plan in plans:
        enrolment_id = enrolment_ids[(learners[plan.client_id].pk, offers[plan.offer_code].pk)]
        for unit_plan in plan.units:
            unit = units[unit_plan.code]
            if (enrolment_id, unit.pk) in existing_units:
                continue
            new_units.append(
                UnitEnrolment(
                    course_enrolment_id=enrolment_id,
                    unit=unit,
                    start_date=unit_plan.start,
                    end_date=unit_plan.end,
                    scheduled_hours=unit_plan.scheduled_hours,
                    actual_hours=unit_plan.actual_hours,
                    outcome=outcomes[unit_plan.outcome],
                    delivery_mode=unit_plan.delivery_mode,
                    training_organisation_outcome=training_organisation_outcome_for(plan.status),
                )
            )
    UnitEnrolment.objects.bulk_create(new_units, batch_size=1000)
    created["unit_enrolments"] = len(new_units)


def rule_file(product: TrainingProduct) -> bytes:
    """A product's packaging rules as a rule file (qualifications/rule_file.py)."""
    rows = [COLUMNS, ["total", "", "", "", product.units_required]]
    rows.append(["imported_electives", "", "", "", product.imported_electives])
    rows += [["core", "", "", "", "", code] for code in product.core]
    combined = set()
    for keys, at_least in product.elective_minimums:
        groups = [product.group(key) for key in keys]
        name = " or ".join(group.name for group in groups)
        for group in groups:
            rows += [["elective", "", "".join(keys), name, at_least, code] for code in group.units]
        combined.update(keys)
    for group in product.elective_groups:
        if group.key not in combined:
            rows += [["elective", "", group.key, group.name, 0, code] for code in group.units]
    for major, keys in product.majors.items():
        for key in keys:
            rows += [["core", major, "", "", "", code] for code in product.group(key).units]
    out = io.StringIO()
    csv_writer(out).writerows(rows)
    return out.getvalue().encode()


def _ensure_packaging_rules(courses: dict[str, Course], created: dict[str, int]) -> None:
    """The real packaging rules of the demo qualifications, loaded as an RTO would load them."""
    has_rule = set(PackagingRule.objects.values_list("qualification_id", flat=True))
    created["packaging_rules"] = 0
    for product in PRODUCTS:
        course = courses[product.code]
        if course.is_qualification and course.pk not in has_rule:
            packaging_rule_load(actor=None, qualification=course, content=rule_file(product))
            PackagingRule.objects.filter(qualification=course).update(
                description=product.packaging_rules
            )
            created["packaging_rules"] += 1


# Learners who left a course are not working towards its qualification.
LEFT = (
    EnrolmentStatus.WITHDRAWN,
    EnrolmentStatus.CANCELLED_NO_PENALTY,
    EnrolmentStatus.CANCELLED_PENALTY,
)


def _ensure_qualification_enrolments(
    plans: list[EnrolmentPlan],
    learners: dict[str, Learner],
    courses: dict[str, Course],
    created: dict[str, int],
) -> None:
    """A qualification enrolment for each learner in a qualification offer, audited once."""
    offers = {offer.code: offer for offer in OFFERS}
    majors = {
        (rule.qualification_id, major.name): major
        for rule in PackagingRule.objects.prefetch_related("majors")
        for major in rule.majors.all()
    }
    existing = set(QualificationEnrolment.objects.values_list("learner_id", "qualification_id"))
    new = []
    for plan in plans:
        offer = offers[plan.offer_code]
        course = courses[offer.product.code]
        key = (learners[plan.client_id].pk, course.pk)
        if not course.is_qualification or plan.status in LEFT or key in existing:
            continue
        existing.add(key)
        new.append(
            QualificationEnrolment(
                learner_id=key[0],
                qualification=course,
                major=majors.get((course.pk, offer.major)),
            )
        )
    QualificationEnrolment.objects.bulk_create(new, batch_size=500)
    created["qualification_enrolments"] = len(new)
    if new:
        qualification_enrolments_audit(
            actor=None, enrolments=QualificationEnrolment.objects.filter(audited_at__isnull=True)
        )


def demo_totals() -> dict[str, int]:
    return {
        "learners": Learner.objects.count(),
        "units": Unit.objects.count(),
        "courses": Course.objects.count(),
        "offers": CourseOffer.objects.count(),
        "enrolments": CourseEnrolment.objects.count(),
        "unit_enrolments": UnitEnrolment.objects.count(),
        "qualification_enrolments": QualificationEnrolment.objects.count(),
    }


@transaction.atomic
def demo_seed(*, today: date | None = None) -> DemoResult:
    """Create whatever part of the demo RTO is missing. Safe to run any number of times."""
    today = today or timezone.localdate()
    rng = random.Random(RANDOM_SEED)
    learner_plan = plan_learners(rng, today)
    enrolment_plan = plan_enrolments(rng, learner_plan, today)

    path = logins_path()
    created: dict[str, int] = {}
    logins, users = _ensure_staff(path)
    _ensure_organisation(users["admin"])
    units, courses = _ensure_training_products(created)
    offers = _ensure_offers(today, courses, created)
    learners = _ensure_learners(learner_plan, users["admin"], created)
    _ensure_enrolments(enrolment_plan, learners, offers, units, created)
    _ensure_packaging_rules(courses, created)
    _ensure_qualification_enrolments(enrolment_plan, learners, courses, created)

    totals = demo_totals()
    event_record(
        actor=None,
        subject_type="demo",
        subject_id=ORGANISATION["rto_code"],
        action="demo_seeded",
        data={"created": created, "totals": totals},
    )
    return DemoResult(logins=logins, logins_path=path, totals=totals, created=created)
