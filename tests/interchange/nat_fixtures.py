"""A small, valid set of AVETMISS 8.0 NAT files written out by hand, field by field.

Widths are typed here from the standard (not taken from the application's layout tables), so
these fixtures check the reader against the standard. Tests break one field at a time with
`changed()` to produce each kind of bad input.
"""

from tests.factories import make_usi

USI_C001 = make_usi(424242)

# Each record: (field name, value, width). N fields are given already zero-filled.
ORGANISATION = [
    ("toid", "41234", 10),
    ("name", "Harbour City Training Pty Ltd", 100),
    ("type", "91", 2),
    ("address_1", "Level 3, 88 George Street", 50),
    ("address_2", "", 50),
    ("suburb", "Parramatta", 50),
    ("postcode", "2150", 4),
    ("state", "01", 2),
    ("contact", "", 60),
    ("phone", "(02) 5550 4123", 20),
    ("fax", "", 20),
    ("email", "credentials@harbourcity.example", 80),
]

LOCATION = [
    ("toid", "41234", 10),
    ("location", "PAR", 10),
    ("name", "Parramatta Campus", 100),
    ("postcode", "2150", 4),
    ("state", "01", 2),
    ("suburb", "Parramatta", 50),
    ("country", "1101", 4),
]

PROGRAM = [
    ("program", "BSB40120", 10),
    ("name", "Certificate IV in Business", 100),
    ("hours", "0480", 4),
]


def subject(code: str, title: str, hours: str) -> list:
    return [
        ("subject", code, 12),
        ("name", title, 100),
        ("foe", "080301", 6),
        ("vet", "Y", 1),
        ("hours", hours, 4),
    ]


SUBJECTS = [
    subject("BSBWHS411", "Implement and monitor WHS policies, procedures and programs", "0040"),
    subject("BSBXCM401", "Apply communication strategies in the workplace", "0040"),
]


def client(
    client_id: str,
    name: str,
    gender: str,
    born: str,
    usi: str,
    *,
    postcode: str = "2150",
    state: str = "01",
    suburb: str = "Parramatta",
    number: str = "12",
    street: str = "Church Street",
) -> list:
    return [
        ("client", client_id, 10),
        ("name_for_encryption", name, 60),
        ("school", "@@", 2),
        ("gender", gender, 1),
        ("dob", born, 8),
        ("postcode", postcode, 4),
        ("indigenous", "@", 1),
        ("language", "@@@@", 4),
        ("labour", "@@", 2),
        ("country", "@@@@", 4),
        ("disability", "@", 1),
        ("prior", "@", 1),
        ("at_school", "@", 1),
        ("suburb", suburb, 50),
        ("usi", usi, 10),
        ("state", state, 2),
        ("building", "", 50),
        ("unit", "", 30),
        ("number", number, 15),
        ("street", street, 70),
        ("survey", "A", 1),
    ]


CLIENTS = [
    client("C001", "Nguyen, Mia Thi", "F", "14071998", USI_C001),
    client("C002", "Smith, Noah", "M", "02031985", "INDIV"),
    client(
        "C003",
        "Tupou, Salote",
        "F",
        "@@@@@@@@",
        "INTOFF",
        postcode="OSPC",
        state="99",
        suburb="Suva, Fiji",
        number="",
        street="",
    ),
]


def postal(client_id: str, title: str, first: str, last: str, mobile: str, email: str) -> list:
    return [
        ("client", client_id, 10),
        ("title", title, 4),
        ("first", first, 40),
        ("last", last, 40),
        ("building", "", 50),
        ("unit", "", 30),
        ("number", "", 15),
        ("street", "", 70),
        ("po_box", "", 22),
        ("suburb", "Parramatta", 50),
        ("postcode", "2150", 4),
        ("state", "01", 2),
        ("home", "", 20),
        ("work", "", 20),
        ("mobile", mobile, 20),
        ("email", email, 80),
        ("email_2", "", 80),
    ]


POSTAL = [
    postal("C001", "Ms", "Mia", "Nguyen", "0491 570 006", "mia.nguyen@example.com"),
    postal("C002", "Mr", "Noah", "Smith", "0491 570 156", "noah.smith@example.com"),
    postal("C003", "", "Salote", "Tupou", "", "salote@example.org"),
]


def activity(
    client_id: str,
    unit: str,
    start: str,
    end: str,
    outcome: str,
    *,
    outcome_to: str = "",
    mode: str = "YNN",
    predominant: str = "I",
    hours: str = "0040",
    program: str = "BSB40120",
    location: str = "PAR",
) -> list:
    return [
        ("toid", "41234", 10),
        ("location", location, 10),
        ("client", client_id, 10),
        ("subject", unit, 12),
        ("program", program, 10),
        ("start", start, 8),
        ("end", end, 8),
        ("mode", mode, 3),
        ("outcome", outcome, 2),
        ("funding", "20", 2),
        ("commencing", "3", 1),
        ("contract", "", 10),
        ("client_appr", "", 10),
        ("study_reason", "@@", 2),
        ("vet_in_schools", "N", 1),
        ("specific_funding", "", 10),
        ("school_type", "", 2),
        ("outcome_to", outcome_to, 3),
        ("funding_state", "", 3),
        ("fee", "", 5),
        ("exemption", "", 2),
        ("purchasing_contract", "", 12),
        ("schedule", "", 3),
        ("hours", hours, 4),
        ("associated", "", 10),
        ("scheduled", "0040", 4),
        ("predominant", predominant, 1),
    ]


ACTIVITIES = [
    activity("C001", "BSBWHS411", "02022026", "27022026", "20"),
    activity("C001", "BSBXCM401", "02032026", "26032027", "70", hours="0012"),
    activity("C002", "BSBWHS411", "02022026", "13022026", "40", outcome_to="TNC", hours="0008"),
    activity("C003", "BSBWHS411", "02022026", "27022026", "20", mode="NYN", predominant="E"),
    activity("C003", "BSBXCM401", "02032026", "20032026", "51", mode="NNN", predominant="N"),
]

COMPLETIONS = [
    [
        ("toid", "41234", 10),
        ("program", "BSB40120", 10),
        ("client", "C003", 10),
        ("completed", "20032026", 8),
        ("issued", "Y", 1),
    ]
]


def render(record: list) -> str:
    return "".join(
        value.ljust(width)[:width] if value else " " * width for _, value, width in record
    )


def changed(record: list, **values) -> list:
    """A copy of a record with some fields given other (raw) values, widths unchanged."""
    unknown = set(values) - {name for name, _, _ in record}
    assert not unknown, unknown
    return [(name, values.get(name, value), width) for name, value, width in record]


def nat_set(**replace) -> dict[str, str]:
    """The valid set as files (CRLF lines); `replace` swaps whole files' records by NAT name."""
    records = {
        "NAT00010": [ORGANISATION],
        "NAT00020": [LOCATION],
        "NAT00030": [PROGRAM],
        "NAT00060": SUBJECTS,
        "NAT00080": CLIENTS,
        "NAT00085": POSTAL,
        "NAT00120": ACTIVITIES,
        "NAT00130": COMPLETIONS,
    }
    records.update(replace)
    return {
        f"{name}.txt": "".join(render(record) + "\r\n" for record in lines)
        for name, lines in records.items()
    }
