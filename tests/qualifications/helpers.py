"""Qualifications with real-looking packaging rules, and learners' results, for the tests."""

from tests.factories import course_make, packaging_rule_make, results_make

CORE = (
    "CHCCOM005",
    "CHCLEG001",
    "CHCDIV001",
    "HLTWHS002",
    "HLTINF006",
    "CHCCCS041",
    "CHCCCS031",
    "CHCCCS038",
    "CHCCCS040",
)
AGEING = ("CHCAGE011", "CHCAGE013", "CHCPAL003")
DISABILITY = ("CHCDIS011", "CHCDIS012", "CHCDIS020")
OTHER = ("CHCDIV002", "CHCMHS001", "HLTAID011", "HLTHPS006")

BSB_CORE = ("BSBXCM401", "BSBTWK401", "BSBCRT411", "BSBWHS411", "BSBSUS411")
BSB_ELECTIVES = (
    "BSBOPS402",
    "BSBOPS403",
    "BSBOPS404",
    "BSBPEF401",
    "BSBPEF402",
    "BSBTEC403",
    "BSBTEC404",
    "BSBWRT411",
    "BSBLDR411",
    "BSBXTW401",
)
# Units from other training packages, listed in none of BSB40120's groups.
ELSEWHERE = ("SITXCOM010", "HLTAID011", "CHCDIV001")


def individual_support():
    """CHC33021: 9 core, 6 electives (at least 3 from group AB, up to 1 from elsewhere) and
    three majors: Ageing, Disability, Ageing and Disability."""
    qualification = course_make(
        "CHC33021", title="Certificate III in Individual Support", aqf_level=3
    )
    packaging_rule_make(
        qualification,
        total=15,
        core=CORE,
        groups=[
            ("AB", "Ageing or Disability", 3, AGEING + DISABILITY),
            ("C", "Other electives", 0, OTHER),
        ],
        imported=1,
        majors={
            "Ageing": {"core": AGEING},
            "Disability": {"core": DISABILITY},
            "Ageing and Disability": {"core": AGEING + DISABILITY},
        },
    )
    return qualification


def business(*, imported: int = 2, at_least: int = 0):
    """BSB40120: 12 units, 5 core and 7 electives from a listed group (no majors)."""
    qualification = course_make("BSB40120", title="Certificate IV in Business", aqf_level=4)
    packaging_rule_make(
        qualification,
        total=12,
        core=BSB_CORE,
        groups=[("E", "Listed electives", at_least, BSB_ELECTIVES)],
        imported=imported,
    )
    return qualification


def achieve(learner, codes, outcome: str = "20"):
    """Record these units as achieved (or any outcome) in a course enrolment of the learner."""
    return results_make(learner, dict.fromkeys(codes, outcome))
