"""The demo's learners and results, drawn from a fixed random seed: every run plans the same rows.

Nothing here touches the database; `seed` writes whatever part of the plan is missing.
"""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from testamur.demo import people
from testamur.demo.rto import OFFERS, RE_ENROLMENTS, OfferPlan
from testamur.demo.training_products import CREDIT_TRANSFER_UNITS, UNITS, WORKPLACE_UNITS
from testamur.learners.models import (
    DisabilityType,
    Gender,
    Learner,
    PriorEducationType,
    UsiStatus,
)
from testamur.learners.usi import ALPHABET, usi_check_character
from testamur.training.models import DeliveryMode, EnrolmentStatus

RANDOM_SEED = 41234

# Exact counts, so every run and every test sees the same mix (75 / 10 / 8 / 4 / 3 per cent).
USI_STATUS_MIX = (
    (UsiStatus.VERIFIED, 225),
    (UsiStatus.NOT_VERIFIED, 30),
    (UsiStatus.NOT_SUPPLIED, 24),
    (UsiStatus.EXEMPTION_INDIV, 12),
    (UsiStatus.EXEMPTION_INTOFF, 9),
)
PRIVACY_FLAGGED = 6
WITH_SPECIAL_REQUIREMENTS = 12
INACTIVE = 8


@dataclass
class UnitPlan:
    code: str
    start: date
    end: date
    outcome: str
    actual_hours: Decimal
    scheduled_hours: Decimal
    delivery_mode: str


@dataclass
class EnrolmentPlan:
    client_id: str
    offer_code: str
    status: str
    status_reason: str = ""
    commencement_date: date | None = None
    completion_date: date | None = None
    units: list[UnitPlan] = field(default_factory=list)


def _hours(value: float) -> Decimal:
    """Hours to the nearest half hour, as the model stores them."""
    return (Decimal(round(value * 2)) / 2).quantize(Decimal("0.1"))


def _schedule(start: date, end: date, count: int) -> list[tuple[date, date]]:
    """Split an offer's dates evenly between its units, in delivery order."""
    span = (end - start).days + 1
    blocks = []
    for i in range(count):
        first = start + timedelta(days=i * span // count)
        last = start + timedelta(days=(i + 1) * span // count - 1)
        blocks.append((first, max(first, last)))
    return blocks


def _usi(rng: random.Random, used: set[str]) -> str:
    while True:
        body = "".join(rng.choice(ALPHABET) for _ in range(9))
        usi = body + usi_check_character(body)
        if usi not in used:
            used.add(usi)
            return usi


def _email_part(name: str) -> str:
    return "".join(ch for ch in name.lower() if "a" <= ch <= "z")


def plan_learners(rng: random.Random, today: date) -> list[Learner]:
    statuses = [status for status, count in USI_STATUS_MIX for _ in range(count)]
    rng.shuffle(statuses)
    backgrounds = list(people.BACKGROUNDS)
    weights = [people.BACKGROUNDS[b][0] for b in backgrounds]
    suburb_weights = [s[3] for s in people.SUBURBS]
    used_usis: set[str] = set()
    learners = []
    for n, usi_status in enumerate(statuses, start=1):
        background = rng.choices(backgrounds, weights)[0]
        _, female, male, families = people.BACKGROUNDS[background]
        gender = rng.choices(
            [Gender.FEMALE, Gender.MALE, Gender.OTHER, Gender.NOT_STATED], [57, 41, 1, 1]
        )[0]
        given_names = male if gender == Gender.MALE else female
        # Some learners' given names come from another background, as in any Australian class.
        if rng.random() < 0.15:
            other = people.BACKGROUNDS[rng.choice(backgrounds)]
            given_names = other[2] if gender == Gender.MALE else other[1]
        given = rng.choice(given_names)
        family = rng.choice(families)
        middle = rng.choice([g for g in given_names if g != given]) if rng.random() < 0.3 else ""
        preferred = ""
        if background in ("chinese", "korean", "vietnamese") and rng.random() < 0.25:
            key = "M" if gender == Gender.MALE else "F"
            preferred = rng.choice(people.PREFERRED_NAMES[key])
        title = ""
        if rng.random() < 0.4:
            title = {Gender.FEMALE: "Ms", Gender.MALE: "Mr"}.get(gender, "Mx")

        age = 17 + int(rng.betavariate(2, 4) * 48)
        date_of_birth = today - timedelta(days=age * 365 + rng.randint(0, 364))
        email = (
            f"{_email_part(given)}.{_email_part(family)}{rng.randint(1, 99)}"
            f"@{rng.choice(people.EMAIL_DOMAINS)}"
        )

        if usi_status == UsiStatus.EXEMPTION_INTOFF:
            address_line, suburb, state, postcode = "", rng.choice(people.OVERSEAS_TOWNS), "OVS", ""
            phone = ""
        else:
            suburb, state, postcode, _ = rng.choices(people.SUBURBS, suburb_weights)[0]
            street = f"{rng.choice(people.STREETS)} {rng.choice(people.STREET_TYPES)}"
            number = rng.randint(1, 240)
            address_line = (
                f"{rng.randint(1, 24)}/{number} {street}"
                if rng.random() < 0.3
                else f"{number} {street}"
            )
            if rng.random() < 0.75:
                phone = rng.choice(people.FICTIONAL_MOBILES)
            else:
                phone = f"({people.LANDLINE_AREA[state]}) 5550 {rng.randint(0, 9999):04d}"

        learner = Learner(
            client_id=f"HC{10000 + n}",
            title=title,
            given_name=given,
            middle_names=middle,
            family_name=family,
            preferred_name=preferred,
            date_of_birth=date_of_birth,
            gender=gender,
            email=email,
            phone=phone,
            address_line=address_line,
            suburb=suburb,
            state=state,
            postcode=postcode,
            usi_status=usi_status,
        )
        learner.demo_background = background
        if usi_status in (UsiStatus.VERIFIED, UsiStatus.NOT_VERIFIED):
            learner.usi = _usi(rng, used_usis)
        if usi_status == UsiStatus.VERIFIED:
            learner.usi_verified_on = today - timedelta(days=rng.randint(7, 700))
            learner.usi_evidence = rng.choice(people.VERIFICATION_EVIDENCE)
        elif usi_status == UsiStatus.EXEMPTION_INDIV:
            learner.usi_evidence = (
                "Exemption letter from the Student Identifiers Registrar sighted."
            )
        elif usi_status == UsiStatus.EXEMPTION_INTOFF:
            learner.usi_evidence = "Studies online from outside Australia for the whole course."
        learners.append(learner)

    for learner in rng.sample(learners, PRIVACY_FLAGGED):
        learner.privacy_flag = True
    for learner in rng.sample(learners, WITH_SPECIAL_REQUIREMENTS):
        learner.special_requirements = rng.choice(people.SPECIAL_REQUIREMENTS)
    plan_client_details(learners, today)
    return learners


def _pick(rng: random.Random, weighted: dict[str, int]) -> str:
    return rng.choices(list(weighted), list(weighted.values()))[0]


def plan_client_details(learners: list[Learner], today: date) -> None:
    """AVETMISS client details with a realistic spread, from their own random stream (so the
    rest of the demo draws the same as before they existed)."""
    rng = random.Random(RANDOM_SEED + 80)
    for learner in learners:
        background = learner.demo_background
        age = (today - learner.date_of_birth).days // 365
        if learner.state == "OVS":
            born = people.OVERSEAS_COUNTRIES[learner.suburb.split(", ")[-1]]
        else:
            born = _pick(rng, people.COUNTRIES_OF_BIRTH[background])
        learner.country_of_birth_id = born or None
        language = _pick(rng, people.LANGUAGES[background])
        learner.language_id = language or None
        if language and language != "1201":
            learner.english_proficiency_id = _pick(rng, people.ENGLISH_PROFICIENCY) or None
        indigenous = people.INDIGENOUS if born == "1101" else people.INDIGENOUS_OVERSEAS_BORN
        learner.indigenous_status_id = _pick(rng, indigenous) or None
        level = _pick(rng, people.SCHOOL_LEVELS)
        learner.school_level_id = level or None
        if level and level != "02" and rng.random() < 0.8:
            finished = learner.date_of_birth.year + {"08": 14, "09": 15}.get(level, int(level) + 5)
            learner.school_level_year = min(finished, today.year)
        learner.at_school = _pick(rng, people.AT_SCHOOL_YOUNG if age < 19 else people.AT_SCHOOL)
        learner.labour_force_status_id = _pick(rng, people.LABOUR_FORCE) or None
        needs = people.DISABILITY_FROM_NEEDS.get(learner.special_requirements)
        learner.disability = "Y" if needs else _pick(rng, people.DISABILITY)
        learner.new_disability_types = []
        if learner.disability == "Y":
            codes = needs or rng.sample(people.DISABILITY_TYPES, rng.randint(1, 2))
            learner.new_disability_types = [DisabilityType(code=c) for c in sorted(codes)]
        learner.prior_education = _pick(rng, people.PRIOR_EDUCATION)
        learner.new_prior_educations = []
        if learner.prior_education == "Y":
            codes = rng.sample(people.PRIOR_ACHIEVEMENTS, rng.randint(1, 2))
            overseas = born not in ("1101", "")
            learner.new_prior_educations = [
                (
                    PriorEducationType(code=code),
                    rng.choice("IE") if overseas and rng.random() < 0.6 else "A",
                )
                for code in sorted(codes)
            ]


def _plan_units(
    rng: random.Random, offer: OfferPlan, status: str, today: date, online: bool
) -> EnrolmentPlan:
    """The unit enrolments and dates of one learner's enrolment in an offer, by its status."""
    start, end = today + timedelta(days=offer.start), today + timedelta(days=offer.end)
    codes = offer.product.core + offer.electives
    blocks = _schedule(start, end, len(codes))
    plan = EnrolmentPlan(client_id="", offer_code=offer.code, status=status)
    usual_mode = DeliveryMode.EXTERNAL if online else DeliveryMode.INTERNAL

    def add(code, first, last, outcome, actual, scheduled=None, mode=None):
        nominal = UNITS[code][1]
        if mode is None:
            mode = DeliveryMode.WORKPLACE if code in WORKPLACE_UNITS else usual_mode
        plan.units.append(
            UnitPlan(
                code=code,
                start=first,
                end=max(first, last),
                outcome=outcome,
                actual_hours=_hours(actual),
                scheduled_hours=_hours(nominal if scheduled is None else scheduled),
                delivery_mode=mode,
            )
        )

    def recognised(share: float) -> dict[str, str]:
        """Units some learners get by credit transfer (60) or recognition of prior learning (51)."""
        granted: dict[str, str] = {}
        transferable = [c for c in codes if c in CREDIT_TRANSFER_UNITS]
        if transferable and rng.random() < share:
            for code in rng.sample(transferable, min(len(transferable), rng.randint(1, 2))):
                granted[code] = "60"
        assessable = [c for c in codes if c not in WORKPLACE_UNITS and c not in granted]
        if len(codes) > 2 and rng.random() < share:
            for code in rng.sample(assessable, rng.randint(1, 3)):
                granted[code] = "51"
        return granted

    def add_recognised(code, outcome):
        """Recognition is settled in the first weeks of the course, whenever the unit is taught."""
        if outcome == "60":
            add(code, start, start, "60", 0, scheduled=0, mode=DeliveryMode.NOT_APPLICABLE)
        else:
            granted_on = min(start + timedelta(days=rng.randint(7, 28)), end, max(start, today))
            add(code, start, granted_on, "51", rng.randint(2, 6), mode=DeliveryMode.NOT_APPLICABLE)

    if status in (EnrolmentStatus.COMPLETED, EnrolmentStatus.COMPLETION_PENDING):
        granted = recognised(0.12)
        # Learners finish their last assessment on different days near the end of the offer.
        last_first, last_last = blocks[-1]
        blocks[-1] = (last_first, max(last_first, last_last - timedelta(days=rng.randint(0, 10))))
        for code, (first, last) in zip(codes, blocks, strict=True):
            if code in granted:
                add_recognised(code, granted[code])
            else:
                add(code, first, last, "20", UNITS[code][1] * rng.uniform(0.85, 1.1))
        plan.commencement_date = start
        plan.completion_date = max(u.end for u in plan.units)
        if status == EnrolmentStatus.COMPLETION_PENDING:
            plan.status_reason = "Awaiting confirmation that fees are paid."

    elif status == EnrolmentStatus.PARTIAL_ATTENDANCE:
        # Most units achieved, the last few not: the learner is owed a Statement of Attainment.
        achieved = rng.randint(len(codes) // 2, len(codes) - 1)
        for index, (code, (first, last)) in enumerate(zip(codes, blocks, strict=True)):
            nominal = UNITS[code][1]
            if index < achieved:
                add(code, first, last, "20", nominal * rng.uniform(0.85, 1.1))
            else:
                add(code, first, last, "30", nominal * rng.uniform(0.3, 0.9))
        plan.commencement_date = start
        plan.completion_date = max(u.end for u in plan.units)
        plan.status_reason = "Not competent in every unit; a Statement of Attainment is due."

    elif status in (EnrolmentStatus.WITHDRAWN, EnrolmentStatus.CANCELLED_PENALTY):
        last_day = min(end, today - timedelta(days=1))
        days = (last_day - start).days
        withdrew = start + timedelta(
            days=rng.randint(min(7, days), max(min(7, days), days * 45 // 100))
        )
        for code, (first, last) in zip(codes, blocks, strict=True):
            if first <= withdrew:
                stop = min(last, withdrew)
                attended = ((stop - first).days + 1) / ((last - first).days + 1)
                add(code, first, stop, "40", UNITS[code][1] * attended * rng.uniform(0.6, 1.0))
            else:
                add(code, first, last, "00", 0)
        plan.commencement_date = start
        if status == EnrolmentStatus.WITHDRAWN:
            plan.status_reason = rng.choice(people.WITHDRAWAL_REASONS)
        else:
            plan.status_reason = "Cancelled after the cooling-off period; cancellation fee applies."

    elif status == EnrolmentStatus.CANCELLED_NO_PENALTY:
        for code, (first, last) in zip(codes, blocks, strict=True):
            add(code, first, last, "00", 0)
        plan.status_reason = "Cancelled before the course started; fees refunded."

    elif status == EnrolmentStatus.DEFERRED:
        resume = max(today, start) + timedelta(days=rng.randint(21, 90))
        for code, (first, last) in zip(
            codes, _schedule(resume, resume + (end - start), len(codes)), strict=True
        ):
            add(code, first, last, "00", 0)
        plan.status_reason = rng.choice(people.DEFERRAL_REASONS)

    else:  # active
        granted = recognised(0.08) if start <= today else {}
        for code, (first, last) in zip(codes, blocks, strict=True):
            nominal = UNITS[code][1]
            if code in granted:
                add_recognised(code, granted[code])
            elif last < today:
                # A few units wait on a resubmission: still continuing, due a little later.
                if rng.random() < 0.08:
                    due = today + timedelta(days=7 + (last - first).days % 21)
                    add(code, first, due, "70", nominal * rng.uniform(0.85, 1.1))
                else:
                    add(code, first, last, "20", nominal * rng.uniform(0.85, 1.1))
            elif first <= today:
                elapsed = ((today - first).days + 1) / ((last - first).days + 1)
                add(code, first, last, "70", nominal * elapsed)
            else:
                add(code, first, last, offer.future_outcome, 0)
        plan.commencement_date = start
    return plan


def plan_enrolments(
    rng: random.Random, learners: list[Learner], today: date
) -> list[EnrolmentPlan]:
    offshore = [lr for lr in learners if lr.usi_status == UsiStatus.EXEMPTION_INTOFF]
    pool = [lr for lr in learners if lr.usi_status != UsiStatus.EXEMPTION_INTOFF]
    rng.shuffle(pool)
    plans: list[EnrolmentPlan] = []
    by_offer: dict[str, list[EnrolmentPlan]] = {}
    offers = {offer.code: offer for offer in OFFERS}

    def enrol(offer: OfferPlan, learner: Learner, status: str, online: bool) -> None:
        plan = _plan_units(rng, offer, status, today, online)
        plan.client_id = learner.client_id
        plans.append(plan)
        by_offer.setdefault(offer.code, []).append(plan)

    for offer in OFFERS:
        statuses = [status for status, count in offer.statuses.items() for _ in range(count)]
        rng.shuffle(statuses)
        taken = [offshore.pop() for _ in range(offer.offshore)]
        taken += [pool.pop() for _ in range(len(statuses) - offer.offshore)]
        for learner, status in zip(taken, statuses, strict=True):
            online = learner.usi_status == UsiStatus.EXEMPTION_INTOFF or (
                rng.random() < offer.online_share
            )
            enrol(offer, learner, status, online)

    by_client = {lr.client_id: lr for lr in learners}
    for again in RE_ENROLMENTS:
        candidates = [p for p in by_offer[again.from_offer] if p.status in again.from_statuses]
        for earlier in rng.sample(candidates, again.count):
            enrol(offers[again.offer], by_client[earlier.client_id], again.status, online=False)

    # A USI is verified at enrolment, a little before the learner's first offer starts.
    first_start: dict[str, date] = {}
    for plan in plans:
        starts = today + timedelta(days=offers[plan.offer_code].start)
        first_start[plan.client_id] = min(starts, first_start.get(plan.client_id, starts))
    for learner in learners:
        if learner.usi_status == UsiStatus.VERIFIED and learner.client_id in first_start:
            verified = min(first_start[learner.client_id], today) - timedelta(
                days=rng.randint(0, 28)
            )
            learner.usi_verified_on = verified

    # Learners who left and have no current enrolment are marked inactive.
    finished = {
        EnrolmentStatus.WITHDRAWN,
        EnrolmentStatus.CANCELLED_NO_PENALTY,
        EnrolmentStatus.CANCELLED_PENALTY,
    }
    statuses_of: dict[str, set[str]] = {}
    for plan in plans:
        statuses_of.setdefault(plan.client_id, set()).add(plan.status)
    leavers = sorted(cid for cid, statuses in statuses_of.items() if statuses <= finished)
    for client_id in rng.sample(leavers, min(INACTIVE, len(leavers))):
        by_client[client_id].is_active = False
    return plans
