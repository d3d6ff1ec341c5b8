"""The AVETMISS export: exact layouts, the period, a consistent set, and the NAT00130 issued
flag following the final-qualification credential."""

import io
import zipfile
from datetime import date

import pytest

from testamur.interchange.avetmiss.export import NO_LOCATION, NO_RTO_CODE, NOTHING_IN_RANGE
from testamur.interchange.services import avetmiss_export
from testamur.training.models import CourseEnrolment, EnrolmentStatus
from tests.factories import (
    course_make,
    enrolment_make,
    learner_make,
    location_make,
    offer_make,
    organisation_configured,
    unit_make,
)
from tests.interchange.helpers import EVERYTHING, export_files

pytestmark = pytest.mark.django_db


def lines(files: dict[str, bytes], name: str) -> list[str]:
    text = files[f"{name}.txt"].decode("ascii")
    assert text == "" or text.endswith("\r\n")
    return text.split("\r\n")[:-1]


@pytest.fixture
def offer():
    organisation_configured()
    units = [
        unit_make("BSBWHS411", title="Implement and monitor WHS policies, procedures and programs"),
        unit_make("BSBXCM401", title="Apply communication strategies in the workplace"),
    ]
    course = course_make("BSB40120", title="Certificate IV in Business", units=units, aqf_level=4)
    location = location_make(code="PAR", name="Parramatta Campus")
    return offer_make(course, code="BSB40120-2026-T1", location=location)


def test_training_activity_lines_have_the_national_layout(offer):
    learner = learner_make(client_id="C001")
    enrolment_make(learner=learner, offer=offer, outcomes={"BSBWHS411": "20"})

    files = export_files()

    activity = lines(files, "NAT00120")
    assert [len(line) for line in activity] == [158, 158]
    first = activity[0]
    assert first[0:10] == "41234     "
    assert first[10:20] == "PAR       "
    assert first[20:30] == "C001      "
    assert first[30:42] == "BSBWHS411   "
    assert first[42:52] == "BSB40120  "
    assert first[52:60] == "02022026"  # activity start date, DDMMYYYY
    assert first[68:71] == "YNN"
    assert first[71:73] == "20"  # national outcome at 72–73
    assert first[111:114] == "   "  # training-organisation outcome at 112–114
    assert first[157] == "I"
    assert activity[1][71:73] == "70"


@pytest.mark.parametrize(
    "status,expected",
    [
        (EnrolmentStatus.WITHDRAWN, "TNC"),
        (EnrolmentStatus.CANCELLED_PENALTY, "TNC"),
        (EnrolmentStatus.PARTIAL_ATTENDANCE, "TNC"),
        (EnrolmentStatus.DEFERRED, "D  "),
        (EnrolmentStatus.ACTIVE, "   "),
    ],
)
def test_the_training_organisation_outcome_follows_the_enrolment_status(
    offer, rto_admin, status, expected
):
    from testamur.training.services import enrolment_update

    enrolment = enrolment_make(offer=offer)
    if status != EnrolmentStatus.ACTIVE:
        enrolment_update(enrolment=enrolment, actor=rto_admin, data={"status": status})

    activity = lines(export_files(), "NAT00120")

    assert {line[111:114] for line in activity} == {expected}


def test_a_transitioned_learner_is_reported_under_each_program_identifier(offer):
    course_make("BSB40115", title="Certificate IV in Business (superseded)", aqf_level=4)
    course_make("BSB40100", title="Certificate IV in Business (older)", aqf_level=4)
    enrolment = enrolment_make(offer=offer)
    CourseEnrolment.objects.filter(pk=enrolment.pk).update(
        program_id_1="BSB40120", program_id_2="BSB40115", program_id_3="BSB40100"
    )

    files = export_files()

    activity = lines(files, "NAT00120")
    assert [line[42:52].strip() for line in activity] == ["BSB40120", "BSB40115", "BSB40100"] * 2
    assert [line[30:42].strip() for line in activity[:3]] == ["BSBWHS411"] * 3
    programs = [line[:10].strip() for line in lines(files, "NAT00030")]
    assert programs == ["BSB40100", "BSB40115", "BSB40120"]


def test_every_referenced_record_is_in_its_file_and_nothing_else(offer):
    enrolment_make(learner=learner_make(client_id="C001"), offer=offer)
    learner_make(client_id="C002")  # no training: not reported
    other = course_make("CHC33021", units=[unit_make("CHCCOM005")])
    offer_make(other, location=location_make(code="LIV"))  # nobody enrolled

    files = export_files()

    assert sorted(files) == [
        f"NAT00{n}.txt"
        for n in ("010", "020", "030", "060", "080", "085", "090", "100", "120", "130")
    ]
    activity = lines(files, "NAT00120")
    assert (
        {line[20:30].strip() for line in activity}
        == {line[:10].strip() for line in lines(files, "NAT00080")}
        == {line[:10].strip() for line in lines(files, "NAT00085")}
        == {"C001"}
    )
    assert {line[30:42].strip() for line in activity} == {
        line[:12].strip() for line in lines(files, "NAT00060")
    }
    assert (
        {line[10:20].strip() for line in activity}
        == {line[10:20].strip() for line in lines(files, "NAT00020")}
        == {"PAR"}
    )
    assert [len(line) for line in lines(files, "NAT00010")] == [448]
    assert {len(line) for line in lines(files, "NAT00080")} == {327}
    assert {len(line) for line in lines(files, "NAT00085")} == {557}


def test_only_activity_overlapping_the_period_is_reported(offer):
    enrolment_make(offer=offer)  # units 02/02–15/02/2026 and 16/02–01/03/2026

    files = export_files(date(2026, 2, 20), date(2026, 12, 31))

    assert [line[30:42].strip() for line in lines(files, "NAT00120")] == ["BSBXCM401"]
    assert [line[:12].strip() for line in lines(files, "NAT00060")] == ["BSBXCM401"]


def test_exporting_twice_gives_the_same_zip(offer):
    enrolment_make(offer=offer, outcomes={"BSBWHS411": "20"})

    def zip_bytes():
        out = io.BytesIO()
        avetmiss_export(actor=None, date_from=EVERYTHING[0], date_to=EVERYTHING[1], out=out)
        return out.getvalue()

    assert zip_bytes() == zip_bytes()


def test_problems_stop_the_export_and_say_what_to_fix(offer):
    enrolment_make(offer=offer_make(offer.course, code="NO-PLACE", location=None))
    out = io.BytesIO()

    result = avetmiss_export(actor=None, date_from=EVERYTHING[0], date_to=EVERYTHING[1], out=out)

    assert NO_LOCATION.format(offer="NO-PLACE") in [f.message for f in result.report.findings]
    assert result.refused


def test_without_an_rto_code_nothing_is_exported(db):
    result = avetmiss_export(
        actor=None, date_from=EVERYTHING[0], date_to=EVERYTHING[1], out=io.BytesIO()
    )
    assert [p["message"] for p in result.problems.items] == [NO_RTO_CODE]


def test_an_empty_period_is_reported(offer):
    enrolment_make(offer=offer)
    result = avetmiss_export(
        actor=None, date_from=date(2020, 1, 1), date_to=date(2020, 12, 31), out=io.BytesIO()
    )
    assert [p["message"] for p in result.problems.items] == [
        NOTHING_IN_RANGE.format(start="01/01/2020", end="31/12/2020")
    ]


def _completion_flags(files) -> list[tuple[str, str, str, str]]:
    return [
        (line[10:20].strip(), line[20:30].strip(), line[30:38], line[38])
        for line in lines(files, "NAT00130")
    ]


def test_the_issued_flag_follows_the_final_qualification_credential(
    rto_admin, django_capture_on_commit_callbacks
):
    from testamur.credentials.services import credential_cancel
    from tests.credentials.helpers import completed_offer, generated, issue, requested

    (enrolment,) = completed_offer(1)
    offer = enrolment.offer
    offer.location = location_make(code="PAR")
    offer.save()
    CourseEnrolment.objects.filter(pk=enrolment.pk).update(
        status=EnrolmentStatus.COMPLETED, completion_date=date(2026, 11, 20)
    )
    client = enrolment.learner.client_id

    assert _completion_flags(export_files()) == [("BSB40120", client, "20112026", "N")]

    credentials = generated(
        rto_admin, requested([enrolment], "testamur"), django_capture_on_commit_callbacks
    )
    issue(rto_admin, credentials, django_capture_on_commit_callbacks, final_qualification=True)
    assert _completion_flags(export_files()) == [("BSB40120", client, "20112026", "Y")]

    credential_cancel(actor=rto_admin, credential=credentials[0], reason="Name misspelt")
    assert _completion_flags(export_files()) == [("BSB40120", client, "20112026", "N")]


def test_the_export_is_recorded_in_the_event_log(offer, rto_admin):
    from testamur.core.models import Event

    enrolment_make(offer=offer, outcomes={"BSBWHS411": "20", "BSBXCM401": "20"})
    export_files(actor=rto_admin)

    event = Event.objects.get(subject_type="avetmiss_export")
    assert (event.actor, event.action, event.data["lines"]["NAT00120"]) == (
        rto_admin,
        "exported",
        2,
    )


def test_the_zip_holds_ascii_text(offer):
    enrolment_make(offer=offer, learner=learner_make(given_name="Zoë", family_name="Ngô"))
    out = io.BytesIO()
    avetmiss_export(actor=None, date_from=EVERYTHING[0], date_to=EVERYTHING[1], out=out)
    with zipfile.ZipFile(out) as archive:
        text = archive.read("NAT00085.txt")
    text.decode("ascii")
    assert b"Zoe" in text and b"Ngo" in text
