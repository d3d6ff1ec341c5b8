"""Learners' AVETMISS client details: written in NAT00080, NAT00090 and NAT00100, and read
back from them."""

from datetime import date

import pytest

from testamur.interchange.avetmiss.import_checks import NOT_IN_CODE_LIST
from testamur.interchange.models import ImportStatus
from testamur.learners import models as lm
from testamur.learners.models import Learner, PriorEducation
from tests.factories import (
    course_make,
    enrolment_make,
    learner_make,
    location_make,
    offer_make,
    organisation_configured,
    unit_make,
)
from tests.interchange import nat_fixtures as nat
from tests.interchange.helpers import avetmiss_import, export_files

pytestmark = pytest.mark.django_db


def lines(files, name) -> list[str]:
    return files[f"{name}.txt"].decode("ascii").split("\r\n")[:-1]


@pytest.fixture
def offer():
    organisation_configured()
    unit = unit_make("BSBWHS411")
    course = course_make("BSB40120", units=[unit])
    return offer_make(course, location=location_make(code="PAR"))


def _client(offer, **fields) -> Learner:
    learner = learner_make(**fields)
    enrolment_make(learner=learner, offer=offer, outcomes={"BSBWHS411": "20"})
    return learner


def test_client_details_are_written_where_nat00080_puts_them(offer):
    learner = _client(
        offer,
        client_id="C001",
        school_level_id="12",
        indigenous_status_id="4",
        language_id="6302",
        english_proficiency_id="2",
        labour_force_status_id="02",
        country_of_birth_id="5105",
        disability="Y",
        prior_education="Y",
        at_school="N",
    )
    learner.disability_types.set(["14", "11"])
    PriorEducation.objects.create(learner=learner, achievement_id="514", recognition="A")
    PriorEducation.objects.create(learner=learner, achievement_id="008", recognition="I")

    files = export_files()

    (line,) = lines(files, "NAT00080")
    assert line[70:72] == "12"  # highest school level
    assert line[85] == "4"  # Indigenous status
    assert line[86:90] == "6302"  # language
    assert line[90:92] == "02"  # labour force status
    assert line[92:96] == "5105"  # country of birth
    assert line[96:99] == "YYN"  # disability, prior education, at school
    assert line[326] == "A"  # survey contact status
    assert lines(files, "NAT00090") == ["C001      11", "C001      14"]
    # The national file has no recognition identifier (Victoria's does).
    assert lines(files, "NAT00100") == ["C001      008", "C001      514"]


def test_answers_not_given_are_not_stated(offer):
    _client(offer, client_id="C002")

    files = export_files()

    (line,) = lines(files, "NAT00080")
    assert (line[70:72], line[85], line[86:90], line[90:92], line[92:96]) == (
        "@@",
        "@",
        "@@@@",
        "@@",
        "@@@@",
    )
    assert line[96:99] == "@@@"
    assert lines(files, "NAT00090") == lines(files, "NAT00100") == []


def test_a_disability_without_its_type_is_reported_as_not_specified(offer):
    _client(offer, client_id="C003", disability="Y")

    assert lines(export_files(), "NAT00090") == ["C003      99"]


@pytest.mark.parametrize(
    "fields,expected",
    [
        ({"date_of_birth": date.today().replace(year=date.today().year - 12)}, "M"),
        ({"state": "OVS", "postcode": "", "suburb": "Suva, Fiji"}, "O"),
        ({"survey_contact_status": "E"}, "E"),
    ],
)
def test_the_survey_contact_status_follows_age_and_address(offer, fields, expected):
    _client(offer, **fields)

    (line,) = lines(export_files(), "NAT00080")
    assert line[326] == expected


def _client_line(**details) -> list:
    values = {
        "school": "10",
        "indigenous": "1",
        "language": "4202",
        "labour": "06",
        "country": "4208",
        "disability": "Y",
        "prior": "Y",
        "at_school": "N",
    }
    values.update(details)
    return nat.changed(nat.CLIENTS[0], **values)


def test_nat00080_90_and_100_become_the_learner_s_details(rto_admin):
    files = nat.nat_set(
        NAT00080=[_client_line(), *nat.CLIENTS[1:]],
        NAT00090=[[("client", "C001", 10), ("type", "15", 2)]],
        NAT00100=[[("client", "C001", 10), ("prior", "521", 3)]],
    )

    job = avetmiss_import(files, commit=True, actor=rto_admin)

    assert job.status == ImportStatus.IMPORTED, job.errors
    learner = Learner.objects.get(client_id="C001")
    assert (learner.school_level_id, learner.indigenous_status_id, learner.language_id) == (
        "10",
        "1",
        "4202",
    )
    assert (learner.labour_force_status_id, learner.country_of_birth_id) == ("06", "4208")
    assert (learner.disability, learner.prior_education, learner.at_school) == ("Y", "Y", "N")
    assert [t.code for t in learner.disability_types.all()] == ["15"]
    assert [p.achievement_id for p in learner.prior_educations.all()] == ["521"]
    other = Learner.objects.get(client_id="C002")
    assert (other.language_id, other.disability) == (None, "")  # @: not stated


def test_a_code_no_list_has_is_reported_by_line_and_field(rto_admin):
    files = nat.nat_set(NAT00080=[_client_line(country="9990"), *nat.CLIENTS[1:]])

    job = avetmiss_import(files, commit=True, actor=rto_admin)

    assert job.status == ImportStatus.INVALID
    problem = {
        "file": "NAT00080.txt",
        "row": 1,
        "column": "Country identifier (93–96)",
        "message": NOT_IN_CODE_LIST.format(code="9990", list="country"),
    }
    assert problem in job.errors
    assert not Learner.objects.exists()
    assert lm.Country.objects.filter(pk="4208").exists()


def test_the_address_parts_go_where_nat00080_and_nat00085_put_them(offer):
    _client(
        offer,
        client_id="C004",
        address_building="Riverside Apartments",
        address_unit="12",
        address_street_number="88",
        address_street_name="George Street",
        postal_delivery_box="PO Box 45",
    )

    files = export_files()

    (client,) = lines(files, "NAT00080")
    assert client[161:211].rstrip() == "Riverside Apartments"
    assert (client[211:241].rstrip(), client[241:256].rstrip()) == ("12", "88")
    assert client[256:326].rstrip() == "George Street"
    (postal,) = lines(files, "NAT00085")
    assert postal[94:144].rstrip() == "Riverside Apartments"
    assert postal[259:281].rstrip() == "PO Box 45"
