"""USIs verified long ago are verified again on a schedule (USI_REVERIFY_DAYS)."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from testamur.learners.models import UsiStatus, UsiVerificationJob
from testamur.learners.usi_registry.services import usi_reverify_due
from testamur.learners.usi_registry.tasks import usi_reverify_daily
from tests.factories import learner_make

pytestmark = pytest.mark.django_db


def test_verifications_older_than_the_setting_are_sent_again(
    usi_registry, settings, django_capture_on_commit_callbacks
):
    settings.USI_REVERIFY_DAYS = 365
    today = timezone.localdate()
    old = learner_make(usi_verified_on=today - timedelta(days=400))
    gone = learner_make(usi_verified_on=today - timedelta(days=500))
    recent = learner_make(usi_verified_on=today - timedelta(days=30))
    usi_registry.knows(old)
    usi_registry.knows(gone, status="Deactivated")

    with django_capture_on_commit_callbacks(execute=True):
        job = usi_reverify_due()

    assert sorted(job.learner_ids) == sorted([old.pk, gone.pk])
    assert job.created_by is None and job.include_verified
    old.refresh_from_db(), gone.refresh_from_db(), recent.refresh_from_db()
    assert old.usi_status == UsiStatus.VERIFIED and old.usi_verified_on == today
    assert gone.usi_status == UsiStatus.NOT_VERIFIED
    assert recent.usi_verified_on == today - timedelta(days=30)
    assert recent.pk not in usi_registry.simulator.received


def test_the_daily_task_does_nothing_when_turned_off(usi_registry, settings):
    settings.USI_REVERIFY_DAYS = 0
    learner_make(usi_verified_on=timezone.localdate() - timedelta(days=4000))
    assert usi_reverify_daily.call() == "nothing due"
    assert not UsiVerificationJob.objects.exists()


def test_command_starts_the_re_verification(
    usi_registry, settings, capsys, django_capture_on_commit_callbacks
):
    settings.USI_REVERIFY_DAYS = 100
    learner = learner_make(usi_verified_on=timezone.localdate() - timedelta(days=101))
    usi_registry.knows(learner)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("usi_reverify")
    assert "1 learner" in capsys.readouterr().out
    learner.refresh_from_db()
    assert learner.usi_verified_on == timezone.localdate()
