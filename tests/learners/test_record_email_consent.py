"""Staff record (and withdraw) a learner's consent to their email identifying them on digital
credentials: when and where it was given, with an event each time."""

from django.urls import reverse

from testamur.core.models import Event
from testamur.learners.forms import EMAIL_CONSENT_HELP
from testamur.learners.models import EmailConsentSource, Learner
from testamur.learners.services import learner_email_consent_set
from tests.factories import learner_make
from tests.learners.helpers import create_data, edit_data, page_text, shows

CONSENT = "digital_credential_email_consent"


def _url(learner):
    return reverse("learners:edit", args=[learner.pk])


def _consent_events(learner):
    return list(
        Event.objects.filter(learner_id=learner.pk, action__startswith="email_consent").order_by(
            "id"
        )
    )


def test_the_form_asks_with_a_help_text_and_no_consent_by_default(rto_user_client):
    learner = learner_make()

    response = rto_user_client.get(_url(learner))

    assert shows(response, "Email as identifier on digital credentials")
    assert shows(response, EMAIL_CONSENT_HELP)
    html = page_text(response)
    assert '<option value="" selected>Not given</option>' in html
    assert "Learner portal" not in html  # only the learner gives it there


def test_staff_record_consent_from_the_enrolment_form(rto_user_client, rto_user):
    learner = learner_make()

    response = rto_user_client.post(
        _url(learner), edit_data(learner, **{CONSENT: "enrolment_form"}), follow=True
    )

    learner.refresh_from_db()
    assert learner.digital_credential_email_consent_at is not None
    assert learner.digital_credential_email_consent_source == EmailConsentSource.ENROLMENT_FORM
    assert shows(response, "Saved the changes")
    assert shows(response, "(Enrolment form)")
    [event] = _consent_events(learner)
    assert event.action == "email_consent_given" and event.actor == rto_user
    assert event.to_state == EmailConsentSource.ENROLMENT_FORM
    history = page_text(rto_user_client.get(reverse("learners:history", args=[learner.pk])))
    assert "Learner: email consent given" in history
    assert "— → Enrolment form" in history


def test_staff_withdraw_consent_and_the_record_is_cleared(rto_user_client):
    learner = learner_make()
    learner_email_consent_set(learner=learner, actor=None, source="learner_portal")

    edit = rto_user_client.get(_url(learner))
    assert '<option value="learner_portal" selected>Learner portal</option>' in page_text(edit)
    response = rto_user_client.post(_url(learner), edit_data(learner, **{CONSENT: ""}), follow=True)

    learner.refresh_from_db()
    assert learner.digital_credential_email_consent_at is None
    assert learner.digital_credential_email_consent_source == ""
    assert [e.action for e in _consent_events(learner)] == [
        "email_consent_given",
        "email_consent_withdrawn",
    ]
    assert "Email as identifier on digital credentials</dt><dd>Not given" in page_text(response)


def test_saving_the_form_unchanged_keeps_the_consent_and_its_date(rto_user_client):
    learner = learner_make()
    learner_email_consent_set(learner=learner, actor=None, source="learner_portal")
    learner.refresh_from_db()
    given_at = learner.digital_credential_email_consent_at

    response = rto_user_client.post(
        _url(learner), edit_data(learner, **{CONSENT: "learner_portal"}), follow=True
    )

    learner.refresh_from_db()
    assert learner.digital_credential_email_consent_at == given_at
    assert shows(response, "Nothing changed.")
    assert len(_consent_events(learner)) == 1


def test_consent_recorded_when_adding_a_learner(rto_user_client):
    response = rto_user_client.post(
        reverse("learners:create"), create_data(**{CONSENT: "staff_recorded"}), follow=True
    )

    learner = Learner.objects.get(family_name="Nguyen")
    assert learner.digital_credential_email_consent_source == EmailConsentSource.STAFF_RECORDED
    assert shows(response, "(Recorded by staff)")


def test_an_unknown_source_is_refused_inline(rto_user_client):
    learner = learner_make()

    response = rto_user_client.post(_url(learner), edit_data(learner, **{CONSENT: "a_rumour"}))

    assert response.status_code == 200
    assert shows(response, "Select a valid choice.")
    learner.refresh_from_db()
    assert learner.digital_credential_email_consent_at is None
