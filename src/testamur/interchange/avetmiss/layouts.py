"""The AVETMISS 8.0 national layouts: one table per NAT file, positions as the standard numbers.

Sources: domain-research.md §2.5–2.6 (jobready/avetmiss_data v8 byte ranges, bluedogtraining/
avetmiss V8 field sets, clarity-avetmiss for the NAT00010 address block and NAT00090/00100).
Each table is checked when this module loads: fields are contiguous and add up to the record
length.
"""

from testamur.interchange.avetmiss.fixed_width import DATE as D
from testamur.interchange.avetmiss.fixed_width import NUMBER as N
from testamur.interchange.avetmiss.fixed_width import Field, Layout

NAT00010 = Layout(
    "NAT00010",
    448,
    (
        Field("toid", "Training organisation identifier", 1, 10, required=True),
        Field("name", "Training organisation name", 11, 100),
        Field("type", "Training organisation type identifier", 111, 2, N),
        Field("address_1", "Address first line", 113, 50),
        Field("address_2", "Address second line", 163, 50),
        Field("suburb", "Address suburb, locality or town", 213, 50),
        Field("postcode", "Postcode", 263, 4),
        Field("state", "State identifier", 267, 2),
        Field("contact_name", "Contact name", 269, 60),
        Field("phone", "Telephone number", 329, 20),
        Field("fax", "Facsimile number", 349, 20),
        Field("email", "Email address", 369, 80),
    ),
)

NAT00020 = Layout(
    "NAT00020",
    180,
    (
        Field("toid", "Training organisation identifier", 1, 10),
        Field("location", "Training organisation delivery location identifier", 11, 10),
        Field("name", "Training organisation delivery location name", 21, 100),
        Field("postcode", "Postcode", 121, 4),
        Field("state", "State identifier", 125, 2),
        Field("suburb", "Address suburb, locality or town", 127, 50),
        Field("country", "Country identifier", 177, 4),
    ),
)

NAT00030 = Layout(
    "NAT00030",
    114,
    (
        Field("program", "Program identifier", 1, 10),
        Field("name", "Program name", 11, 100),
        Field("nominal_hours", "Nominal hours", 111, 4, N),
    ),
)

NAT00060 = Layout(
    "NAT00060",
    123,
    (
        Field("subject", "Subject identifier", 1, 12),
        Field("name", "Subject name", 13, 100),
        Field("field_of_education", "Subject field of education identifier", 113, 6),
        Field("vet_flag", "VET flag", 119, 1),
        Field("nominal_hours", "Nominal hours", 120, 4, N),
    ),
)

NAT00080 = Layout(
    "NAT00080",
    327,
    (
        Field("client", "Client identifier", 1, 10),
        Field("name_for_encryption", "Name for encryption", 11, 60),
        Field("school_level", "Highest school level completed identifier", 71, 2),
        Field("gender", "Gender", 73, 1),
        Field("date_of_birth", "Date of birth", 74, 8, D),
        Field("postcode", "Postcode", 82, 4),
        Field("indigenous_status", "Indigenous status identifier", 86, 1),
        Field("language", "Language identifier", 87, 4),
        Field("labour_force", "Labour force status identifier", 91, 2),
        Field("country_of_birth", "Country identifier", 93, 4),
        Field("disability_flag", "Disability flag", 97, 1),
        Field("prior_education_flag", "Prior educational achievement flag", 98, 1),
        Field("at_school_flag", "At school flag", 99, 1),
        Field("suburb", "Address suburb, locality or town", 100, 50),
        Field("usi", "Unique student identifier", 150, 10),
        Field("state", "State identifier", 160, 2),
        Field("building", "Address building/property name", 162, 50),
        Field("unit", "Address flat/unit details", 212, 30),
        Field("street_number", "Address street number", 242, 15),
        Field("street_name", "Address street name", 257, 70),
        Field("survey_contact_status", "Survey contact status", 327, 1),
    ),
)

NAT00085 = Layout(
    "NAT00085",
    557,
    (
        Field("client", "Client identifier", 1, 10),
        Field("title", "Client title", 11, 4),
        Field("first_name", "Client first given name", 15, 40),
        Field("last_name", "Client family name", 55, 40),
        Field("building", "Address building/property name", 95, 50),
        Field("unit", "Address flat/unit details", 145, 30),
        Field("street_number", "Address street number", 175, 15),
        Field("street_name", "Address street name", 190, 70),
        Field("po_box", "Address postal delivery box", 260, 22),
        Field("suburb", "Address suburb, locality or town", 282, 50),
        Field("postcode", "Postcode", 332, 4),
        Field("state", "State identifier", 336, 2),
        Field("phone_home", "Telephone number – home", 338, 20),
        Field("phone_work", "Telephone number – work", 358, 20),
        Field("phone_mobile", "Telephone number – mobile", 378, 20),
        Field("email", "Email address", 398, 80),
        Field("email_alternative", "Email address – alternative", 478, 80),
    ),
)

NAT00090 = Layout(
    "NAT00090",
    12,
    (
        Field("client", "Client identifier", 1, 10, required=True),
        Field("disability_type", "Disability type identifier", 11, 2, required=True),
    ),
)

# The national file; Victoria's adds a recognition identifier (A/E/I) that Testamur keeps on
# the learner but does not report nationally.
NAT00100 = Layout(
    "NAT00100",
    13,
    (
        Field("client", "Client identifier", 1, 10, required=True),
        Field(
            "prior_education",
            "Prior educational achievement identifier",
            11,
            3,
            required=True,
        ),
    ),
)

NAT00120 = Layout(
    "NAT00120",
    158,
    (
        Field("toid", "Training organisation identifier", 1, 10),
        Field("location", "Training organisation delivery location identifier", 11, 10),
        Field("client", "Client identifier", 21, 10),
        Field("subject", "Subject identifier", 31, 12),
        Field("program", "Program identifier", 43, 10),
        Field("start_date", "Activity start date", 53, 8, D, required=True),
        Field("end_date", "Activity end date", 61, 8, D, required=True),
        Field("delivery_mode", "Delivery mode identifier", 69, 3),
        Field("outcome", "Outcome identifier – national", 72, 2, N, required=True),
        Field("funding_national", "Funding source – national", 74, 2, N),
        Field("commencing", "Commencing program identifier", 76, 1, N),
        Field("training_contract", "Training contract identifier", 77, 10),
        Field("client_apprenticeships", "Client identifier – apprenticeships", 87, 10),
        Field("study_reason", "Study reason identifier", 97, 2),
        Field("vet_in_schools", "VET in schools flag", 99, 1),
        Field("specific_funding", "Specific funding identifier", 100, 10),
        Field("school_type", "School type identifier", 110, 2, N),
        Field(
            "outcome_training_organisation", "Outcome identifier – training organisation", 112, 3
        ),
        Field("funding_state", "Funding source – state training authority", 115, 3),
        Field("tuition_fee", "Client tuition fee", 118, 5, N),
        Field("fee_exemption", "Fee exemption/concession type identifier", 123, 2),
        Field("purchasing_contract", "Purchasing contract identifier", 125, 12),
        Field("purchasing_schedule", "Purchasing contract schedule identifier", 137, 3),
        Field("hours_attended", "Hours attended", 140, 4, N),
        Field("associated_course", "Associated course identifier", 144, 10),
        Field("scheduled_hours", "Scheduled hours", 154, 4, N),
        Field("predominant_delivery_mode", "Predominant delivery mode", 158, 1),
    ),
)

NAT00130 = Layout(
    "NAT00130",
    39,
    (
        Field("toid", "Training organisation identifier", 1, 10),
        Field("program", "Program identifier", 11, 10),
        Field("client", "Client identifier", 21, 10),
        Field("completed_on", "Date program completed", 31, 8, D, required=True),
        Field("issued_flag", "Issued flag", 39, 1),
    ),
)

# In the order the files are read and written: each refers only to files before it.
LAYOUTS = (
    NAT00010,
    NAT00020,
    NAT00030,
    NAT00060,
    NAT00080,
    NAT00085,
    NAT00090,
    NAT00100,
    NAT00120,
    NAT00130,
)
