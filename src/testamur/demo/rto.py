"""The demo RTO itself: Harbour City Training, its campuses, logo and course offers.

Offer dates are days from today, so the demo always has past, current and future offers.
"""

import random
from dataclasses import dataclass

from testamur.demo.training_products import (
    BSB40120,
    CHC33021,
    SIT30821,
    SITSS00069,
    TrainingProduct,
)
from testamur.organisation.models import Jurisdiction, UsiGate
from testamur.training.models import EnrolmentStatus

ORGANISATION = {
    "legal_name": "Harbour City Training Pty Ltd",
    "trading_name": "Harbour City Training",
    "rto_code": "41234",
    "abn": "51824753556",
    "address_line": "Level 3, 88 George Street",
    "suburb": "Parramatta",
    "state": "NSW",
    "postcode": "2150",
    "email": "credentials@harbourcity.example",
    "phone": "(02) 5550 4123",
    "website": "https://harbourcity.example",
    "jurisdiction": Jurisdiction.NATIONAL,
    "time_zone": "Australia/Sydney",
    "credential_number_prefix": "HCT-",
    "credential_number_digits": 6,
    "usi_gate": UsiGate.BLOCK,
}
LOCATIONS = (
    ("PAR", "Parramatta Campus", "Parramatta", "NSW", "2150"),
    ("LIV", "Liverpool Campus", "Liverpool", "NSW", "2170"),
)

# A placeholder the RTO replaces with its own logo in Settings.
LOGO_SVG = b"""<svg xmlns="http://www.w3.org/2000/svg" width="360" height="96" viewBox="0 0 360 96">
<rect width="96" height="96" rx="14" fill="#12355b"/>
<path d="M14 62 Q48 14 82 62" fill="none" stroke="#ffffff" stroke-width="6"/>
<path d="M26 62 V44 M38 62 V34 M48 62 V31 M58 62 V34 M70 62 V44" stroke="#ffffff" stroke-width="3"/>
<path d="M10 74 q9 -7 19 0 t19 0 t19 0 t19 0" fill="none" stroke="#5fb3e6" stroke-width="4"/>
<text x="112" y="44" font-family="Helvetica, Arial, sans-serif" font-size="28" font-weight="700"
 fill="#12355b">Harbour City</text>
<text x="112" y="76" font-family="Helvetica, Arial, sans-serif" font-size="24"
 fill="#2d6a9f">Training</text>
</svg>
"""


def official_logo_svg(label: str, colour: str) -> bytes:
    """Demo stand-in for the official NRT or AQF artwork (the real logos are trade marks an RTO
    is licensed to use), so the demo RTO can issue. A real RTO uploads its own in Settings."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="240" height="96" viewBox="0 0 240 96">'
        f'<rect width="240" height="96" rx="8" fill="{colour}"/>'
        f'<text x="120" y="50" text-anchor="middle" font-family="Helvetica, Arial, sans-serif" '
        f'font-size="30" font-weight="700" fill="#ffffff">{label}</text>'
        f'<text x="120" y="78" text-anchor="middle" font-family="Helvetica, Arial, sans-serif" '
        f'font-size="14" fill="#ffffff">demo artwork</text></svg>'
    ).encode()


OFFICIAL_LOGOS = {
    "nrt_logo": official_logo_svg("NRT", "#00703c"),
    "aqf_logo": official_logo_svg("AQF", "#003b5c"),
}


def signature_svg(seed: int) -> bytes:
    """A squiggle standing in for a scanned signature."""
    rng = random.Random(seed)
    points = " ".join(f"{20 + i * 28},{rng.randint(18, 62)}" for i in range(9))
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="280" height="80" viewBox="0 0 280 80">'
        f'<polyline points="{points}" fill="none" stroke="#1b1f5e" stroke-width="3" '
        'stroke-linejoin="round" stroke-linecap="round"/></svg>'
    ).encode()


@dataclass(frozen=True)
class OfferPlan:
    code: str
    product: TrainingProduct
    start: int  # days from today
    end: int
    location: str
    trainer: str
    electives: tuple[str, ...]
    statuses: dict[str, int]  # enrolment status -> how many new learners
    offshore: int = 0  # learners studying online from overseas (INTOFF)
    online_share: float = 0.0
    future_outcome: str = "85"  # outcome of units not yet started in an active enrolment
    major: str = ""  # the major (specialisation) its learners are enrolled in


S = EnrolmentStatus
OFFERS: tuple[OfferPlan, ...] = (
    OfferPlan(
        code="BSB40120-PAR-01",
        product=BSB40120,
        start=-560,
        end=-200,
        location="PAR",
        trainer="Rachel Thompson",
        electives=(
            "BSBOPS402",
            "BSBOPS403",
            "BSBOPS404",
            "BSBPEF402",
            "BSBTEC404",
            "BSBWRT411",
            "BSBLDR411",
        ),
        statuses={
            S.COMPLETED: 28,
            S.PARTIAL_ATTENDANCE: 5,
            S.WITHDRAWN: 4,
            S.CANCELLED_NO_PENALTY: 1,
            S.CANCELLED_PENALTY: 2,
        },
        offshore=4,
        online_share=0.3,
    ),
    OfferPlan(
        code="BSB40120-PAR-02",
        product=BSB40120,
        start=-130,
        end=190,
        location="PAR",
        trainer="Rachel Thompson",
        electives=(
            "BSBOPS403",
            "BSBOPS404",
            "BSBPEF401",
            "BSBTEC403",
            "BSBWRT411",
            "BSBXTW401",
            "BSBPMG420",
        ),
        statuses={S.ACTIVE: 32, S.WITHDRAWN: 4, S.DEFERRED: 4},
        offshore=5,
        online_share=0.3,
    ),
    OfferPlan(
        code="CHC33021-LIV-01",  # major: Ageing and Disability
        product=CHC33021,
        start=-380,
        end=-12,
        location="LIV",
        trainer="Fatima Haddad",
        electives=(*CHC33021.group("A").units, *CHC33021.group("B").units),
        statuses={
            S.COMPLETED: 33,
            S.COMPLETION_PENDING: 4,
            S.PARTIAL_ATTENDANCE: 4,
            S.WITHDRAWN: 4,
        },
        major="Ageing and Disability",
    ),
    OfferPlan(
        code="CHC33021-LIV-02",  # major: Ageing
        product=CHC33021,
        start=-95,
        end=215,
        location="LIV",
        trainer="Anh Tran",
        electives=(*CHC33021.group("A").units, "CHCDIV002", "CHCMHS001", "HLTAID011"),
        statuses={S.ACTIVE: 38, S.WITHDRAWN: 3, S.DEFERRED: 4},
        major="Ageing",
    ),
    OfferPlan(
        code="CHC33021-PAR-03",  # major: Disability
        product=CHC33021,
        start=35,
        end=340,
        location="PAR",
        trainer="Fatima Haddad",
        electives=(*CHC33021.group("B").units, "CHCDIV002", "HLTAID011", "HLTHPS006"),
        statuses={S.ACTIVE: 28, S.DEFERRED: 2},
        major="Disability",
    ),
    OfferPlan(
        code="SIT30821-PAR-01",
        product=SIT30821,
        start=-620,
        end=-110,
        location="PAR",
        trainer="Marco Rossi",
        electives=("SITHCCC039", "SITHCCC040", "SITHKOP012", "SITHKOP013", "SITXCOM010"),
        statuses={S.COMPLETED: 26, S.PARTIAL_ATTENDANCE: 4, S.WITHDRAWN: 3, S.CANCELLED_PENALTY: 2},
    ),
    OfferPlan(
        code="SIT30821-PAR-02",
        product=SIT30821,
        start=-210,
        end=300,
        location="PAR",
        trainer="Marco Rossi",
        electives=("SITHCCC040", "SITHKOP012", "SITHKOP013", "SITXCOM010", "SITHCCC026"),
        statuses={S.ACTIVE: 30, S.WITHDRAWN: 3, S.DEFERRED: 2},
        future_outcome="00",
    ),
    OfferPlan(
        code="SITSS00069-PAR-01",
        product=SITSS00069,
        start=-23,
        end=-22,
        location="PAR",
        trainer="Ben Walker",
        electives=(),
        statuses={S.COMPLETED: 17, S.PARTIAL_ATTENDANCE: 2, S.CANCELLED_NO_PENALTY: 1},
    ),
)


@dataclass(frozen=True)
class ReEnrolment:
    """Learners of one offer who also enrol in another."""

    offer: str
    from_offer: str
    from_statuses: tuple[str, ...]
    count: int
    status: str


RE_ENROLMENTS = (
    ReEnrolment(
        offer="BSB40120-PAR-02",
        from_offer="BSB40120-PAR-01",
        from_statuses=(S.PARTIAL_ATTENDANCE, S.WITHDRAWN, S.CANCELLED_PENALTY),
        count=3,
        status=S.ACTIVE,
    ),
    ReEnrolment(
        offer="SITSS00069-PAR-01",
        from_offer="SIT30821-PAR-02",
        from_statuses=(S.ACTIVE,),
        count=10,
        status=S.COMPLETED,
    ),
)
del S
