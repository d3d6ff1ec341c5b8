"""The 30-day clock reads a flag the database keeps on each course enrolment ("a credential
of it is issued"), and the dashboard's unverified-USI list one on each learner ("a credential
is on its way"), instead of looking into the register row by row. Whatever
issues, cancels, re-issues, deletes or moves a credential — the lifecycle, a bulk update, raw
SQL — the flag follows in the same transaction; a raw edit of the flag itself is found by
`verify_register` and mended by `verify_register --mend`."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from testamur.credentials.kept_flags import ENROLMENT_ISSUED, LEARNER_WAITING
from testamur.credentials.models import Credential, CredentialStatus
from testamur.credentials.selectors import learners_unverified_waiting
from testamur.credentials.services import credential_cancel, credential_delete, credential_reissue
from testamur.learners.models import Learner, UsiStatus
from testamur.reports.clock import ClockWindow, clock_items
from testamur.reports.services import rto_today
from testamur.training.models import CourseEnrolment, EnrolmentStatus
from tests.factories import (
    credential_make,
    enrolment_make,
    learner_make,
)
from tests.reports.helpers import offer_ending_today, register_entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer():
    return offer_ending_today(days=300)


def _completed(offer, family_name: str):
    return enrolment_make(
        learner=learner_make(given_name="Kim", family_name=family_name),
        offer=offer,
        status=EnrolmentStatus.COMPLETED,
        completion_date=rto_today() - timedelta(days=40),
    )


def _waiting_ids() -> set[int]:
    return {item.pk for item in clock_items(today=rto_today(), window=ClockWindow.ALL)}


def _flag(enrolment) -> bool:
    return CourseEnrolment.objects.get(pk=enrolment.pk).credential_issued


def _verify_register(*args) -> tuple[str, int]:
    out = StringIO()
    try:
        call_command("verify_register", *args, stdout=out)
    except CommandError as error:
        return out.getvalue(), error.returncode
    return out.getvalue(), 0


def _issued_entry(offer, enrolment) -> Credential:
    """An issued credential of `enrolment`, issued by a plain UPDATE (no lifecycle)."""
    return register_entry(offer, fields={"course_enrolment": enrolment})


def test_an_issued_credential_takes_its_completion_off_the_clock(offer):
    waiting, issued = _completed(offer, "Waiting"), _completed(offer, "Issued")
    credential_make(waiting)  # requested only: still owed
    _issued_entry(offer, issued)

    assert (_flag(issued), _flag(waiting)) == (True, False)
    assert _waiting_ids() == {waiting.pk}


def test_cancelling_puts_it_back_on_the_clock_and_a_reissue_waits_for_its_replacement(
    rto_admin, offer, django_capture_on_commit_callbacks
):
    cancelled, reissued = _completed(offer, "Cancelled"), _completed(offer, "Reissued")
    first = _issued_entry(offer, cancelled)
    other = _issued_entry(offer, reissued)
    assert _waiting_ids() == set()

    credential_cancel(actor=rto_admin, credential=first, reason="Wrong name")
    with django_capture_on_commit_callbacks(execute=True):
        credential_reissue(actor=rto_admin, credential=other, reason="Misspelt surname")

    assert (_flag(cancelled), _flag(reissued)) == (False, False)
    # The re-issue cancels the credential and requests its replacement: owed until issued.
    assert _waiting_ids() == {cancelled.pk, reissued.pk}


def test_a_second_issued_credential_keeps_the_flag_when_the_first_is_cancelled(rto_admin, offer):
    enrolment = _completed(offer, "Twice")
    first = _issued_entry(offer, enrolment)
    _issued_entry(offer, enrolment)

    credential_cancel(actor=rto_admin, credential=first, reason="Wrong name")

    assert _flag(enrolment) is True
    assert _waiting_ids() == set()


def test_raw_sql_on_the_register_is_followed_too(rto_admin, offer):
    enrolment = _completed(offer, "Raw")
    credential = _issued_entry(offer, enrolment)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE credentials_credential SET status = 'cancelled', status_reason = 'by hand', "
            "cancelled_at = %s, cancelled_by_id = %s WHERE id = %s",
            [timezone.now(), rto_admin.pk, credential.pk],
        )

    assert _flag(enrolment) is False
    assert _waiting_ids() == {enrolment.pk}


def test_a_raw_edit_of_the_flag_is_reported_and_mended(offer):
    owed, issued = _completed(offer, "Owed"), _completed(offer, "Hidden")
    _issued_entry(offer, issued)
    CourseEnrolment.objects.filter(pk=owed.pk).update(credential_issued=True)
    CourseEnrolment.objects.filter(pk=issued.pk).update(credential_issued=False)
    assert _waiting_ids() == {issued.pk}  # the edit hid an owed completion from the clock

    output, status = _verify_register()

    assert status == 1
    assert f"course enrolment {owed.pk}: 'credential issued' is Yes" in output
    assert f"course enrolment {issued.pk}: 'credential issued' is No" in output

    output, _ = _verify_register("--mend")

    assert "2 course enrolment(s) had the wrong 'credential issued' flag: set again." in output
    assert ENROLMENT_ISSUED.wrong().count() == 0
    assert _waiting_ids() == {owed.pk}


def _waiting_learners() -> set[int]:
    return {learner.pk for learner in learners_unverified_waiting()}


def test_the_learner_flag_follows_a_credential_from_request_to_issue_and_back(offer, rto_admin):
    learner = learner_make(family_name="Unverified", usi_status=UsiStatus.NOT_VERIFIED)
    enrolment = enrolment_make(learner=learner, offer=offer)
    assert _waiting_learners() == set()

    credential = credential_make(enrolment)  # requested: waits for the USI
    assert _waiting_learners() == {learner.pk}

    Credential.objects.filter(pk=credential.pk).update(status=CredentialStatus.GENERATING)
    assert _waiting_learners() == {learner.pk}  # still on its way
    Credential.objects.filter(pk=credential.pk).update(status=CredentialStatus.REQUESTED)

    credential_delete(actor=rto_admin, credential=Credential.objects.get(pk=credential.pk))
    assert _waiting_learners() == set()
    assert LEARNER_WAITING.wrong().count() == 0


def test_a_raw_edit_of_the_learner_flag_is_reported_and_mended(offer):
    learner = learner_make(family_name="Forgotten", usi_status=UsiStatus.NOT_VERIFIED)
    credential_make(enrolment_make(learner=learner, offer=offer))
    Learner.objects.filter(pk=learner.pk).update(credentials_waiting=False)
    assert _waiting_learners() == set()  # the edit hid them from the dashboard

    output, status = _verify_register()

    assert status == 1
    assert f"learner {learner.pk}: 'credentials waiting' is No, but one of their" in output

    output, _ = _verify_register("--mend")

    assert "1 learner(s) had the wrong 'credentials waiting' flag: set again." in output
    assert _waiting_learners() == {learner.pk}
