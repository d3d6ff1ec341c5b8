"""Loading packaging rules from a CSV file: all or nothing, every bad line reported with its
line number; a rule that cannot be satisfied is refused with the reason."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from testamur.demo.seed import rule_file
from testamur.demo.training_products import CHC33021, UNITS
from testamur.qualifications import selectors
from testamur.qualifications.audit import GROUP_ASKS_TOO_MANY
from testamur.qualifications.models import ElectiveGroup, Major, PackagingRule
from testamur.qualifications.rule_file import (
    COLUMNS,
    NO_TOTAL,
    NOT_TEXT,
    NOT_UTF8,
    UNKNOWN_COLUMNS,
    UNKNOWN_TYPE,
    UNKNOWN_UNIT,
    RuleFileError,
)
from testamur.qualifications.services import packaging_rule_load
from tests.factories import (
    course_make,
    learner_make,
    qualification_enrolment_make,
    system_actor,
    units_make,
)

pytestmark = pytest.mark.django_db

HEADER = ",".join(COLUMNS)


@pytest.fixture
def chc():
    units_make(*UNITS)
    return course_make("CHC33021", title="Certificate III in Individual Support")


def load(qualification, text: str):
    return packaging_rule_load(
        actor=system_actor(), qualification=qualification, content=text.encode()
    )


def test_the_real_chc33021_rules_load_with_their_majors(chc):
    rule = packaging_rule_load(actor=system_actor(), qualification=chc, content=rule_file(CHC33021))
    spec = selectors.rule_specs([chc.pk])[chc.pk]
    assert spec.units_required == 15
    assert spec.core == frozenset(CHC33021.core)
    assert spec.imported_electives_limit == 1
    groups = {group.key: group for group in spec.groups}
    assert groups["AB"].at_least == 3
    assert groups["AB"].units == frozenset(CHC33021.group("A").units + CHC33021.group("B").units)
    assert {major.name for major in spec.majors} == set(CHC33021.majors)
    assert rule.majors.get(name="Ageing and Disability").core_units.count() == 6


def test_every_bad_line_is_reported_and_nothing_is_loaded(chc):
    text = "\n".join(
        [
            HEADER,
            "total,,,,12,,,",
            "core,,,,,NOSUCH1,,",
            "cor,,,,,CHCCOM005,,",
            "elective,,A,Ageing,x,CHCAGE011,,",
            "imported_electives,,,,,,,",
            "core,,,,,CHCCOM005,,",
            "core,,,,,CHCCOM005,,",
        ]
    )
    with pytest.raises(RuleFileError) as refused:
        load(chc, text)
    assert refused.value.messages == [
        f"Line 3: {UNKNOWN_UNIT.format(code='NOSUCH1')}",
        "Line 4: "
        + UNKNOWN_TYPE.format(
            value="cor",
            types="total, imported_electives, core, elective, equivalent, not_equivalent",
        ),
        "Line 5: 'x' is not a whole number of 0 or more.",
        "Line 6: Enter a whole number in the 'number' column.",
        "Line 8: CHCCOM005 is already a core unit (line 7).",
    ]
    assert not PackagingRule.objects.exists()


def test_a_group_asking_for_more_units_than_it_lists_is_refused_on_its_line(chc):
    text = "\n".join(
        [
            HEADER,
            "total,,,,3,,,",
            "core,,,,,CHCCOM005,,",
            "elective,,A,Ageing,3,CHCAGE011,,",
            "elective,,A,,,CHCAGE013,,",
        ]
    )
    with pytest.raises(RuleFileError) as refused:
        load(chc, text)
    reason = GROUP_ASKS_TOO_MANY.format(key="A", name="Ageing", at_least=3, n=2)
    assert f"Line 4: {reason}" in refused.value.messages
    assert not PackagingRule.objects.exists()


def test_a_bad_file_leaves_the_existing_rule_as_it_was(chc):
    load(chc, "\n".join([HEADER, "total,,,,1,,,", "core,,,,,CHCCOM005,,"]))
    with pytest.raises(RuleFileError):
        load(chc, "\n".join([HEADER, "total,,,,2,,,", "core,,,,,NOSUCH,,"]))
    rule = PackagingRule.objects.get()
    assert rule.units_required == 1
    assert list(rule.core_units.values_list("code", flat=True)) == ["CHCCOM005"]


@pytest.mark.parametrize(
    "content,message",
    [
        (b"\xff\xfe\x00t\x00o", NOT_TEXT),
        ("total;12".encode("latin-1") + b"\xe9", NOT_UTF8),
        (b"", "The file is empty."),
        (f"{HEADER},colour\n".encode(), UNKNOWN_COLUMNS.split("{")[0]),
        (f"{HEADER}\ncore,,,,,CHCCOM005,,\n".encode(), NO_TOTAL),
    ],
    ids=["binary", "latin-1", "empty", "unknown column", "no total"],
)
def test_files_that_are_not_rule_files_are_refused(chc, content, message):
    with pytest.raises(RuleFileError) as refused:
        packaging_rule_load(actor=system_actor(), qualification=chc, content=content)
    assert message in " ".join(refused.value.messages)
    assert not PackagingRule.objects.exists()


def test_downloaded_rules_load_back_unchanged(chc, rto_admin_client):
    packaging_rule_load(actor=system_actor(), qualification=chc, content=rule_file(CHC33021))
    before = selectors.rule_specs([chc.pk])[chc.pk]
    response = rto_admin_client.get(reverse("qualifications:rules_download", args=[chc.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="CHC33021-packaging-rules.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == COLUMNS

    ElectiveGroup.objects.all().delete()
    packaging_rule_load(actor=system_actor(), qualification=chc, content=response.content)
    assert selectors.rule_specs([chc.pk])[chc.pk] == before


def test_a_file_that_drops_an_assigned_major_is_refused(chc):
    packaging_rule_load(actor=system_actor(), qualification=chc, content=rule_file(CHC33021))
    qualification_enrolment_make(learner_make(), chc, major="Disability")
    without = b"\n".join(
        line for line in rule_file(CHC33021).splitlines() if b"core,Disability" not in line
    )
    with pytest.raises(RuleFileError) as refused:
        packaging_rule_load(actor=system_actor(), qualification=chc, content=without)
    assert "Disability" in refused.value.messages[0]
    assert Major.objects.filter(name="Disability").exists()


def test_upload_page_shows_the_bad_lines_and_loads_a_good_file(chc, rto_admin_client):
    url = reverse("qualifications:rule_load", args=[chc.pk])
    bad = SimpleUploadedFile("rules.csv", f"{HEADER}\ntotal,,,,15,,,\ncore,,,,,NOPE1,,\n".encode())
    response = rto_admin_client.post(url, {"file": bad})
    assert response.status_code == 200
    assert f"Line 3: {UNKNOWN_UNIT.format(code='NOPE1')}" in response.content.decode()

    not_csv = SimpleUploadedFile("rules.xlsx", b"PK\x03\x04")
    response = rto_admin_client.post(url, {"file": not_csv})
    assert "Choose a .csv file." in response.content.decode()

    good = SimpleUploadedFile("chc33021.csv", rule_file(CHC33021))
    response = rto_admin_client.post(url, {"file": good}, follow=True)
    page = response.content.decode()
    assert "Packaging rules of CHC33021 loaded from chc33021.csv." in page
    assert "Ageing and Disability" in page


def test_users_cannot_load_rules(chc, rto_user_client):
    url = reverse("qualifications:rule_load", args=[chc.pk])
    good = SimpleUploadedFile("chc33021.csv", rule_file(CHC33021))
    assert rto_user_client.post(url, {"file": good}).status_code == 403
    assert not PackagingRule.objects.exists()
