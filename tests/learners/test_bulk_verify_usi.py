"""Bulk verification with the registry: pre-check, a background job in batches, progress,
mixed results for 2,000 learners, and failed ones not sent again."""

import html
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from testamur.learners.models import Learner, UsiStatus, UsiVerification, UsiVerificationJob
from testamur.learners.usi_registry import services
from tests.factories import learner_make, make_usi

pytestmark = pytest.mark.django_db

BORN = date(2000, 2, 29)


def _learners(count: int, **fields) -> list[Learner]:
    learners = [
        Learner(
            client_id=f"B{n:06d}",
            given_name="Lee",
            family_name=f"Bulk{n:05d}",
            date_of_birth=BORN,
            usi=make_usi(900000 + n),
            usi_status=UsiStatus.NOT_VERIFIED,
            **fields,
        )
        for n in range(count)
    ]
    return Learner.objects.bulk_create(learners)


def _page(client, url) -> str:
    return html.unescape(client.get(url).content.decode())


def test_two_thousand_learners_with_mixed_results(
    usi_registry, rto_admin, rto_admin_client, django_capture_on_commit_callbacks
):
    learners = _learners(2000)
    expected = {}
    for n, learner in enumerate(learners):
        if n % 10 == 1:
            usi_registry.knows(learner, family_name="Someone Else")
            expected[learner.pk] = "mismatch"
        elif n % 10 == 2:
            usi_registry.knows(learner, date_of_birth=BORN - timedelta(days=3))
            expected[learner.pk] = "mismatch"
        elif n % 10 == 3:
            usi_registry.knows(learner, status="Deactivated")
            expected[learner.pk] = "deactivated"
        elif n % 10 == 4:
            expected[learner.pk] = "invalid"  # the registry does not know this USI
        else:
            usi_registry.knows(learner)
            expected[learner.pk] = "verified"
    ids = [x.pk for x in learners]

    response = rto_admin_client.post(
        reverse("learners:registry_verify_list"), {"q": "Bulk", "usi_status": "not_verified"}
    )
    job = UsiVerificationJob.objects.get()
    assert response["Location"] == reverse("learners:usi_job", args=[job.pk])
    assert job.status == "prepared" and sorted(job.learner_ids) == sorted(ids)
    assert "Send 2000 learners to the registry" in _page(rto_admin_client, response["Location"])
    assert usi_registry.simulator.received == []  # the pre-check sends nothing

    with django_capture_on_commit_callbacks(execute=True):
        rto_admin_client.post(reverse("learners:usi_job_send", args=[job.pk]))

    job.refresh_from_db()
    assert job.status == "completed" and job.percent == 100
    assert (job.verified_count, job.not_verified_count, job.error_count) == (1200, 800, 0)
    # Batches the contract accepts (at most 500 each); mismatches are retried as single names
    # only when the answer suggests it (a first name that matches and a family name that does
    # not is retried; none of them verify).
    assert all(count <= 500 for _, count in usi_registry.simulator.calls)
    results = dict(UsiVerification.objects.filter(job=job).values_list("learner_id", "result"))
    assert results == expected
    statuses = dict(Learner.objects.filter(pk__in=ids).values_list("pk", "usi_status"))
    assert {statuses[pk] for pk, r in expected.items() if r == "verified"} == {"verified"}
    assert {statuses[pk] for pk, r in expected.items() if r != "verified"} == {"not_verified"}
    page = _page(
        rto_admin_client, reverse("learners:usi_job", args=[job.pk]) + "?result=deactivated"
    )
    assert "USI deactivated" in page and "200 in all" in page


def test_pre_check_lists_who_cannot_be_sent_and_why(usi_registry, rto_user, rto_user_client):
    ready = learner_make(usi_status=UsiStatus.NOT_VERIFIED, family_name="Ready")
    no_dob = learner_make(
        usi_status=UsiStatus.NOT_VERIFIED, date_of_birth=None, family_name="Nodob"
    )
    no_usi = learner_make(usi_status=UsiStatus.NOT_SUPPLIED, family_name="Nousi")
    exempt = learner_make(usi_status=UsiStatus.EXEMPTION_INDIV, family_name="Exempt")
    verified = learner_make(family_name="Done")

    job = services.usi_job_prepare(
        actor=rto_user,
        learner_ids=[ready.pk, no_dob.pk, no_usi.pk, exempt.pk, verified.pk],
        source="Course offer TEST-01",
    )

    assert job.learner_ids == [ready.pk]
    reasons = {item["learner"]: item["reason"] for item in job.skipped}
    assert reasons[no_dob.pk] == services.NO_DATE_OF_BIRTH
    assert reasons[no_usi.pk] == services.NO_USI
    assert reasons[exempt.pk].startswith("Exemption recorded")
    assert reasons[verified.pk] == services.ALREADY_VERIFIED.format(date="15/01/2026")
    page = _page(rto_user_client, reverse("learners:usi_job", args=[job.pk]))
    assert "Course offer TEST-01" in page and services.NO_DATE_OF_BIRTH in page
    assert "Send 1 learner to the registry" in page


def test_failed_ones_are_not_sent_again_until_their_details_change(
    usi_registry, rto_admin, django_capture_on_commit_callbacks
):
    good, wrong = _learners(2)
    usi_registry.knows(good)
    usi_registry.knows(wrong, first_name="Leigh")

    def run():
        job = services.usi_job_prepare(
            actor=rto_admin, learner_ids=[good.pk, wrong.pk], source="Test", include_verified=False
        )
        if job.learner_ids:
            with django_capture_on_commit_callbacks(execute=True):
                services.usi_job_start(job=job, actor=rto_admin)
        return job

    run()
    usi_registry.simulator.received.clear()
    second = run()

    assert second.learner_ids == []
    reasons = {item["learner"]: item["reason"] for item in second.skipped}
    assert reasons[wrong.pk].startswith("The registry answered “Details do not match”")
    assert usi_registry.simulator.received == []

    # Corrected, it is sent again.
    Learner.objects.filter(pk=wrong.pk).update(given_name="Leigh")
    third = run()
    assert third.learner_ids == [wrong.pk]
    assert Learner.objects.get(pk=wrong.pk).usi_status == UsiStatus.VERIFIED


def test_a_job_cannot_be_sent_twice(
    usi_registry, rto_admin, rto_admin_client, django_capture_on_commit_callbacks
):
    (learner,) = _learners(1)
    usi_registry.knows(learner)
    job = services.usi_job_prepare(actor=rto_admin, learner_ids=[learner.pk], source="Test")
    with django_capture_on_commit_callbacks(execute=True):
        rto_admin_client.post(reverse("learners:usi_job_send", args=[job.pk]))
    response = rto_admin_client.post(reverse("learners:usi_job_send", args=[job.pk]), follow=True)
    assert services.JOB_NOT_PREPARED in html.unescape(response.content.decode())
    assert usi_registry.simulator.received == [learner.usi]


def test_progress_is_polled_while_the_job_runs(usi_registry, rto_admin, rto_admin_client):
    (learner,) = _learners(1)
    job = services.usi_job_prepare(actor=rto_admin, learner_ids=[learner.pk], source="Test")
    UsiVerificationJob.objects.filter(pk=job.pk).update(status="running")
    url = reverse("learners:usi_job", args=[job.pk]) + "?part=progress"
    part = rto_admin_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in part and "0 of 1" in part
    UsiVerificationJob.objects.filter(pk=job.pk).update(status="completed")
    done = rto_admin_client.get(url, headers={"HX-Request": "true"})
    assert done.headers.get("HX-Refresh") == "true"


def test_a_job_whose_worker_stopped_is_taken_up_again(
    usi_registry, rto_admin, django_capture_on_commit_callbacks
):
    learners = _learners(3)
    for learner in learners:
        usi_registry.knows(learner)
    job = services.usi_job_prepare(
        actor=rto_admin, learner_ids=[x.pk for x in learners], source="T"
    )
    stale = timezone.now() - timedelta(minutes=30)
    UsiVerificationJob.objects.filter(pk=job.pk).update(status="running", heartbeat_at=stale)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.usi_jobs_recover() == [job.pk]

    job.refresh_from_db()
    assert job.status == "completed" and job.verified_count == 3
