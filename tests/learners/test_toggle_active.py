"""Staff mark a learner inactive (or active again); the change and its reason are recorded."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from testamur.core.models import Event
from testamur.learners.models import Learner
from testamur.learners.services import (
    ALREADY_INACTIVE,
    SET_ACTIVE_NOT_ALLOWED,
    learner_set_active,
)
from testamur.learners.views import ACTIVE_CHOICE_MISSING, LEARNER_DEACTIVATED
from tests.factories import learner_make
from tests.learners.helpers import page_text, shows


def _url(learner):
    return reverse("learners:toggle_active", args=[learner.pk])


def test_mark_inactive_with_a_reason(rto_admin_client, rto_admin):
    learner = learner_make(given_name="Mia", family_name="Nguyen")

    response = rto_admin_client.post(
        _url(learner), {"active": "no", "reason": "Moved interstate"}, follow=True
    )

    learner.refresh_from_db()
    assert not learner.is_active
    assert shows(response, LEARNER_DEACTIVATED.format(name="Mia Nguyen"))
    assert '<span class="status">Inactive</span>' in page_text(response)
    event = Event.objects.get(learner_id=learner.pk)
    assert (event.action, event.from_state, event.to_state) == ("deactivated", "active", "inactive")
    assert event.reason == "Moved interstate"
    assert event.actor == rto_admin


def test_mark_active_again(rto_admin_client):
    learner = learner_make(is_active=False)

    rto_admin_client.post(_url(learner), {"active": "yes"})

    assert Learner.objects.get(pk=learner.pk).is_active
    assert Event.objects.get(learner_id=learner.pk).action == "reactivated"


def test_a_repeated_click_changes_nothing(rto_admin_client):
    learner = learner_make(is_active=False)

    response = rto_admin_client.post(_url(learner), {"active": "no"}, follow=True)

    assert shows(response, ALREADY_INACTIVE)
    assert not Event.objects.filter(learner_id=learner.pk).exists()


def test_a_post_without_a_choice_changes_nothing(rto_admin_client):
    learner = learner_make()

    response = rto_admin_client.post(_url(learner), {"active": "perhaps"}, follow=True)

    assert shows(response, ACTIVE_CHOICE_MISSING)
    assert Learner.objects.get(pk=learner.pk).is_active


def test_a_get_changes_nothing(rto_admin_client):
    learner = learner_make()

    assert rto_admin_client.get(_url(learner), {"active": "no"}).status_code == 405
    assert Learner.objects.get(pk=learner.pk).is_active


def test_a_post_without_the_csrf_token_is_rejected(rto_admin):
    learner = learner_make()
    client = Client(enforce_csrf_checks=True)
    client.force_login(rto_admin)

    response = client.post(_url(learner), {"active": "no"})

    assert response.status_code == 403
    assert Learner.objects.get(pk=learner.pk).is_active


def test_a_user_cannot_mark_a_learner_inactive(rto_user_client, rto_user):
    learner = learner_make()

    response = rto_user_client.post(_url(learner), {"active": "no", "reason": "Left"})

    assert response.status_code == 403
    assert Learner.objects.get(pk=learner.pk).is_active
    assert not Event.objects.filter(learner_id=learner.pk).exists()
    page = rto_user_client.get(reverse("learners:detail", args=[learner.pk]))
    assert "Mark inactive" not in page_text(page)
    with pytest.raises(PermissionDenied, match=SET_ACTIVE_NOT_ALLOWED):
        learner_set_active(learner=learner, actor=rto_user, is_active=False)
    assert Learner.objects.get(pk=learner.pk).is_active


def test_owners_and_admins_see_the_choice(owner_client, rto_admin_client):
    learner = learner_make()
    for client in (owner_client, rto_admin_client):
        page = client.get(reverse("learners:detail", args=[learner.pk]))
        assert "Mark inactive" in page_text(page)
