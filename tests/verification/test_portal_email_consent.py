"""In the learner portal a learner agrees, or stops agreeing, that their email identifies them
on the digital credentials issued to them from then on."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from testamur.core.models import Event
from testamur.learners.models import EmailConsentSource, Learner
from testamur.learners.services import learner_email_consent_set
from testamur.verification.views.portal import (
    BY_THE_LEARNER,
    EMAIL_CONSENT_GIVEN,
    EMAIL_CONSENT_WITHDRAWN,
)
from tests.verification.test_learner_portal import EMAIL, _sign_in, credentials, learners

pytestmark = pytest.mark.django_db
__all__ = ["credentials", "learners"]  # fixtures

GIVE = "Use my email on my digital credentials"
WITHDRAW = "Withdraw my consent"


def _consent(client, answer: str):
    return client.post(
        reverse("verification:portal_email_consent"), {"consent": answer}, follow=True
    )


def test_a_learner_gives_and_withdraws_consent_in_the_portal(client, settings, credentials):
    mia = credentials[0].learner
    _sign_in(client, settings)
    home = client.get(reverse("verification:portal_home")).content.decode()
    assert GIVE in home and WITHDRAW not in home
    assert EMAIL in home  # the learner sees which address would be used

    given = _consent(client, "yes").content.decode()

    mia.refresh_from_db()
    assert mia.digital_credential_email_consent_source == EmailConsentSource.LEARNER_PORTAL
    assert mia.digital_credential_email_consent_at is not None
    assert escape(EMAIL_CONSENT_GIVEN) in given
    assert WITHDRAW in given and "(Learner portal)" in given

    withdrawn = _consent(client, "no").content.decode()

    mia.refresh_from_db()
    assert mia.digital_credential_email_consent_at is None
    assert mia.digital_credential_email_consent_source == ""
    assert escape(EMAIL_CONSENT_WITHDRAWN) in withdrawn
    assert GIVE in withdrawn
    events = Event.objects.filter(learner_id=mia.pk, action__startswith="email_consent")
    assert [(e.action, e.actor, e.reason) for e in events.order_by("id")] == [
        ("email_consent_given", None, BY_THE_LEARNER),
        ("email_consent_withdrawn", None, BY_THE_LEARNER),
    ]


def test_consent_recorded_by_staff_keeps_its_source_when_the_learner_agrees_again(
    client, settings, credentials
):
    mia = credentials[0].learner
    learner_email_consent_set(learner=mia, actor=None, source=EmailConsentSource.ENROLMENT_FORM)
    _sign_in(client, settings)

    _consent(client, "yes")

    mia.refresh_from_db()
    assert mia.digital_credential_email_consent_source == EmailConsentSource.ENROLMENT_FORM


def test_only_a_signed_in_learner_can_change_consent(client, credentials):
    response = client.post(reverse("verification:portal_email_consent"), {"consent": "yes"})

    assert response.status_code == 302
    assert response["Location"] == reverse("verification:portal_start")
    assert not Learner.objects.filter(digital_credential_email_consent_at__isnull=False).exists()
