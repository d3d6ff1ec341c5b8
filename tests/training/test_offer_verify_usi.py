"""Bulk verification of a course offer's learners with the registry, from its bulk bar."""

import pytest
from django.urls import reverse

from testamur.learners.models import Learner, UsiStatus, UsiVerificationJob
from tests.factories import enrolment_make, make_usi, offer_make

pytestmark = pytest.mark.django_db


def test_ticked_enrolments_learners_are_pre_checked_then_sent(
    usi_registry, rto_user_client, django_capture_on_commit_callbacks
):
    offer = offer_make()
    enrolments = [enrolment_make(offer=offer) for _ in range(3)]
    for n, enrolment in enumerate(enrolments):
        Learner.objects.filter(pk=enrolment.learner_id).update(
            usi=make_usi(610000 + n), usi_status=UsiStatus.NOT_VERIFIED, usi_verified_on=None
        )
    Learner.objects.filter(pk=enrolments[2].learner_id).update(date_of_birth=None)
    for enrolment in enrolments[:2]:
        usi_registry.knows(Learner.objects.get(pk=enrolment.learner_id))

    response = rto_user_client.post(
        reverse("training:offer_bulk", args=[offer.pk]),
        {"action": "verify_usi", "enrolment": [e.pk for e in enrolments]},
    )

    job = UsiVerificationJob.objects.get()
    assert response["Location"] == reverse("learners:usi_job", args=[job.pk])
    assert job.source == f"Course offer {offer.code}"
    assert [item["learner"] for item in job.skipped] == [enrolments[2].learner_id]
    with django_capture_on_commit_callbacks(execute=True):
        rto_user_client.post(reverse("learners:usi_job_send", args=[job.pk]))
    statuses = set(
        Learner.objects.filter(pk__in=[e.learner_id for e in enrolments[:2]]).values_list(
            "usi_status", flat=True
        )
    )
    assert statuses == {UsiStatus.VERIFIED}
