"""The register's USI gate: its reason shows the registry's latest answer, and its bulk bar
verifies the learners it holds up."""

import html

import pytest
from django.urls import reverse
from django.utils import timezone

from testamur.credentials.gates import USI_NOT_CLEARED, USI_REGISTRY_ANSWER, evaluate_gates
from testamur.learners.models import Learner, UsiStatus, UsiVerificationJob
from testamur.organisation.models import Organisation, UsiGate
from tests.credentials.helpers import completed_offer, requested
from tests.factories import make_usi

pytestmark = pytest.mark.django_db


@pytest.fixture
def credentials(db):
    enrolments = completed_offer(3)
    org = Organisation.load()
    org.usi_gate = UsiGate.BLOCK
    org.save()
    for n, enrolment in enumerate(enrolments[:2]):
        Learner.objects.filter(pk=enrolment.learner_id).update(
            usi=make_usi(555000 + n), usi_status=UsiStatus.NOT_VERIFIED, usi_verified_on=None
        )
    return requested(enrolments)


def _gates(credentials):
    fresh = (
        type(credentials[0])
        .objects.select_related("learner", "course_enrolment")
        .filter(pk__in=[c.pk for c in credentials])
    )
    return evaluate_gates(list(fresh))


def test_the_usi_reason_shows_the_registry_answer(usi_registry, credentials, rto_admin_client):
    blocked = credentials[0]
    learner = Learner.objects.get(pk=blocked.learner_id)
    usi_registry.knows(learner, family_name="Different")
    rto_admin_client.post(reverse("learners:registry_verify", args=[learner.pk]))

    reasons = _gates(credentials)[blocked.pk].blockers

    usi_reason = next(
        r for r in reasons if r.startswith(USI_NOT_CLEARED.format(status="Not verified"))
    )
    check = learner.usi_verifications.get()
    assert usi_reason.endswith(
        USI_REGISTRY_ANSWER.format(
            date=timezone.localtime(check.requested_at).strftime("%d/%m/%Y"),
            summary=check.summary(),
        )
    )
    assert "Details do not match: family name." in usi_reason


def test_bulk_bar_verifies_the_learners_the_gate_holds_up(
    usi_registry, credentials, rto_admin_client, django_capture_on_commit_callbacks
):
    learners = [Learner.objects.get(pk=c.learner_id) for c in credentials]
    for learner in learners:
        usi_registry.knows(learner)
    assert sum(1 for g in _gates(credentials).values() if any("USI" in r for r in g.blockers)) == 2

    response = rto_admin_client.post(
        reverse("credentials:bulk"),
        {"action": "verify_usi", "credential": [c.pk for c in credentials]},
    )

    job = UsiVerificationJob.objects.get()
    assert response["Location"] == reverse("learners:usi_job", args=[job.pk])
    assert sorted(job.learner_ids) == sorted(x.pk for x in learners[:2])  # not the verified one
    with django_capture_on_commit_callbacks(execute=True):
        rto_admin_client.post(reverse("learners:usi_job_send", args=[job.pk]))
    assert not any(any("USI" in r for r in g.blockers) for g in _gates(credentials).values())


def test_bulk_bar_says_when_no_learner_needs_verifying(usi_registry, credentials, rto_admin_client):
    response = rto_admin_client.post(
        reverse("credentials:bulk"),
        {
            "action": "verify_usi",
            "credential": [credentials[2].pk],
            "next": reverse("credentials:register"),
        },
        follow=True,
    )
    assert "already has a verified USI or an exemption" in html.unescape(response.content.decode())
    assert not UsiVerificationJob.objects.exists()
