"""National training products the demo RTO delivers: codes and titles as on training.gov.au.

Packaging rules are summarised in our own words and kept as data (core units, elective groups,
majors) so the qualification rules can be loaded from here. Nominal hours are indicative: states
publish their own figures in purchasing guides and an RTO sets the hours it schedules.
"""

from dataclasses import dataclass, field

# code: (title, nominal hours)
UNITS: dict[str, tuple[str, int]] = {
    # BSB Business Services
    "BSBCMM411": ("Make presentations", 40),
    "BSBCRT411": ("Apply critical thinking to work practices", 50),
    "BSBLDR411": ("Demonstrate leadership in the workplace", 40),
    "BSBOPS402": ("Coordinate business operational plans", 50),
    "BSBOPS403": ("Apply business risk management processes", 40),
    "BSBOPS404": ("Implement customer service strategies", 40),
    "BSBPEF401": ("Manage personal health and wellbeing", 30),
    "BSBPEF402": ("Develop personal work priorities", 30),
    "BSBPMG420": ("Apply project scope management techniques", 40),
    "BSBSUS411": ("Implement and monitor environmentally sustainable work practices", 40),
    "BSBTEC403": ("Apply digital solutions to work processes", 40),
    "BSBTEC404": ("Use digital technologies to collaborate in a work team", 30),
    "BSBTWK401": ("Build and maintain business relationships", 50),
    "BSBWHS411": ("Implement and monitor WHS policies, procedures and programs", 40),
    "BSBWRT411": ("Write complex documents", 50),
    "BSBXCM401": ("Apply communication strategies in the workplace", 40),
    "BSBXTW401": ("Lead and facilitate a team", 50),
    # CHC Community Services and HLT Health
    "CHCAGE011": ("Provide support to people living with dementia", 50),
    "CHCAGE013": ("Work effectively in aged care", 40),
    "CHCCCS031": ("Provide individualised support", 70),
    "CHCCCS038": ("Facilitate the empowerment of people receiving support", 40),
    "CHCCCS040": ("Support independence and wellbeing", 40),
    "CHCCCS041": ("Recognise healthy body systems", 40),
    "CHCCOM005": ("Communicate and work in health or community services", 40),
    "CHCDIS011": (
        "Contribute to ongoing skills development using a strengths-based approach",
        50,
    ),
    "CHCDIS012": ("Support community participation and social inclusion", 40),
    "CHCDIS020": ("Work effectively in disability support", 50),
    "CHCDIV001": ("Work with diverse people", 40),
    "CHCDIV002": ("Promote Aboriginal and/or Torres Strait Islander cultural safety", 25),
    "CHCLEG001": ("Work legally and ethically", 40),
    "CHCMHS001": ("Work with people with mental health issues", 40),
    "CHCPAL003": ("Deliver care services using a palliative approach", 40),
    "HLTAID011": ("Provide First Aid", 18),
    "HLTHPS006": ("Assist clients with medication", 40),
    "HLTINF006": ("Apply basic principles and practices of infection prevention and control", 20),
    "HLTWHS002": ("Follow safe work practices for direct client care", 25),
    # SIT Tourism, Travel and Hospitality
    "SITHCCC023": ("Use food preparation equipment", 20),
    "SITHCCC026": ("Package prepared foodstuffs", 10),
    "SITHCCC027": ("Prepare dishes using basic methods of cookery", 40),
    "SITHCCC028": ("Prepare appetisers and salads", 30),
    "SITHCCC029": ("Prepare stocks, sauces and soups", 40),
    "SITHCCC030": ("Prepare vegetable, fruit, egg and farinaceous dishes", 50),
    "SITHCCC031": ("Prepare vegetarian and vegan dishes", 30),
    "SITHCCC035": ("Prepare poultry dishes", 30),
    "SITHCCC036": ("Prepare meat dishes", 50),
    "SITHCCC037": ("Prepare seafood dishes", 40),
    "SITHCCC039": ("Produce pates and terrines", 30),
    "SITHCCC040": ("Prepare and serve cheese", 20),
    "SITHCCC041": ("Produce cakes, pastries and breads", 40),
    "SITHCCC042": ("Prepare food to meet special dietary requirements", 30),
    "SITHCCC043": ("Work effectively as a cook", 60),
    "SITHKOP009": ("Clean kitchen premises and equipment", 15),
    "SITHKOP010": ("Plan and cost recipes", 20),
    "SITHKOP012": ("Develop recipes for special dietary requirements", 30),
    "SITHKOP013": ("Plan cooking operations", 30),
    "SITHPAT016": ("Produce desserts", 50),
    "SITXCOM010": ("Manage conflict", 20),
    "SITXFSA005": ("Use hygienic practices for food safety", 15),
    "SITXFSA006": ("Participate in safe food handling practices", 20),
    "SITXHRM007": ("Coach others in job skills", 20),
    "SITXINV006": ("Receive, store and maintain stock", 20),
    "SITXWHS005": ("Participate in safe work practices", 15),
}


@dataclass(frozen=True)
class ElectiveGroup:
    key: str
    name: str
    units: tuple[str, ...]


@dataclass(frozen=True)
class TrainingProduct:
    code: str
    title: str
    course_type: str  # a training.CourseType value
    aqf_level: int | None
    units_required: int
    core: tuple[str, ...]  # in the order the demo RTO delivers them
    elective_groups: tuple[ElectiveGroup, ...] = ()
    # Major (specialisation) name -> the elective groups all of whose units it needs.
    majors: dict[str, tuple[str, ...]] = field(default_factory=dict)
    packaging_rules: str = ""
    # Electives that may come from outside the listed groups (elsewhere in a training package).
    imported_electives: int = 0
    # The least number of electives that must come from some groups together, e.g. 3 from A or B.
    elective_minimums: tuple[tuple[tuple[str, ...], int], ...] = ()

    @property
    def electives_required(self) -> int:
        return self.units_required - len(self.core)

    @property
    def elective_units(self) -> tuple[str, ...]:
        return tuple(code for group in self.elective_groups for code in group.units)

    @property
    def unit_codes(self) -> tuple[str, ...]:
        """Every unit the RTO offers in this course: core first, then the electives it offers."""
        return self.core + self.elective_units

    @property
    def nominal_hours(self) -> int:
        """Core hours plus the hours of the first electives that make up the unit count."""
        chosen = self.core + self.elective_units[: self.electives_required]
        return sum(UNITS[code][1] for code in chosen)

    def group(self, key: str) -> ElectiveGroup:
        return next(group for group in self.elective_groups if group.key == key)


BSB40120 = TrainingProduct(
    code="BSB40120",
    title="Certificate IV in Business",
    course_type="qualification",
    aqf_level=4,
    units_required=12,
    core=("BSBXCM401", "BSBTWK401", "BSBCRT411", "BSBWHS411", "BSBSUS411"),
    elective_groups=(
        ElectiveGroup(
            "E",
            "Electives offered",
            (
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
                "BSBPMG420",
                "BSBCMM411",
            ),
        ),
    ),
    packaging_rules="12 units: 5 core and 7 electives.",
)

CHC33021 = TrainingProduct(
    code="CHC33021",
    title="Certificate III in Individual Support",
    course_type="qualification",
    aqf_level=3,
    units_required=15,
    core=(
        "CHCCOM005",
        "CHCLEG001",
        "CHCDIV001",
        "HLTWHS002",
        "HLTINF006",
        "CHCCCS041",
        "CHCCCS031",
        "CHCCCS038",
        "CHCCCS040",
    ),
    elective_groups=(
        ElectiveGroup("A", "Ageing", ("CHCAGE011", "CHCAGE013", "CHCPAL003")),
        ElectiveGroup("B", "Disability", ("CHCDIS011", "CHCDIS012", "CHCDIS020")),
        ElectiveGroup("C", "Other electives", ("CHCDIV002", "CHCMHS001", "HLTAID011", "HLTHPS006")),
    ),
    majors={
        "Ageing": ("A",),
        "Disability": ("B",),
        "Ageing and Disability": ("A", "B"),
    },
    imported_electives=1,
    elective_minimums=((("A", "B"), 3),),
    packaging_rules=(
        "15 units: 9 core and 6 electives. At least 3 electives come from Group A or Group B; "
        "up to 1 may come from elsewhere in CHC or another current training package or "
        "accredited course; the rest from Groups A, B or C. The Ageing specialisation needs "
        "every Group A unit, Disability every Group B unit, Ageing and Disability both groups."
    ),
)

SIT30821 = TrainingProduct(
    code="SIT30821",
    title="Certificate III in Commercial Cookery",
    course_type="qualification",
    aqf_level=3,
    units_required=25,
    core=(
        "SITXFSA005",
        "SITXFSA006",
        "SITXWHS005",
        "SITHKOP009",
        "SITHCCC023",
        "SITHCCC027",
        "SITHCCC028",
        "SITHCCC029",
        "SITHCCC030",
        "SITHCCC031",
        "SITHCCC035",
        "SITHCCC036",
        "SITHCCC037",
        "SITHCCC042",
        "SITHCCC041",
        "SITHPAT016",
        "SITXINV006",
        "SITHKOP010",
        "SITXHRM007",
        "SITHCCC043",
    ),
    elective_groups=(
        ElectiveGroup(
            "E",
            "Electives offered",
            ("SITHCCC039", "SITHCCC040", "SITHKOP012", "SITHKOP013", "SITXCOM010", "SITHCCC026"),
        ),
    ),
    packaging_rules="25 units: 20 core and 5 electives.",
)

SITSS00069 = TrainingProduct(
    code="SITSS00069",
    title="Food Safety Supervision Skill Set",
    course_type="skill_set",
    aqf_level=None,
    units_required=2,
    core=("SITXFSA005", "SITXFSA006"),
    packaging_rules="Both units.",
)

PRODUCTS: tuple[TrainingProduct, ...] = (BSB40120, CHC33021, SIT30821, SITSS00069)

# Units learners commonly bring from another qualification; the demo records them as credit
# transfer (60) for a few learners.
CREDIT_TRANSFER_UNITS = frozenset(
    {
        "BSBWHS411",
        "BSBSUS411",
        "CHCCOM005",
        "CHCDIV001",
        "CHCLEG001",
        "HLTWHS002",
        "HLTINF006",
        "SITXFSA005",
        "SITXFSA006",
        "SITXWHS005",
    }
)

# Units delivered and assessed in the workplace (placement, service periods).
WORKPLACE_UNITS = frozenset({"CHCCCS031", "SITHCCC043"})
