"""History reads in people's words: Yes/No, choice labels, statuses, never raw stored values."""

import re

from django.urls import reverse

from testamur.core.events import event_record
from testamur.learners.services import learner_update
from tests.factories import enrolment_make, learner_make, system_actor
from tests.learners.helpers import page_text


def _history(client, learner) -> str:
    html = page_text(client.get(reverse("learners:history", args=[learner.pk])))
    return html[html.index("<table") :]


def test_flags_and_choices_show_as_words(rto_user_client, rto_user):
    learner = learner_make(gender="F")
    learner_update(learner=learner, actor=rto_user, privacy_flag=True, gender="M", at_school="Y")

    html = _history(rto_user_client, learner)

    assert "Privacy flag: No → Yes" in html
    assert "Gender: Female → Male" in html
    assert "Still attending secondary school: (blank) → Yes" in html
    assert not re.search(r"\b(True|False)\b", html)


def test_course_enrolment_changes_show_as_words(rto_user_client):
    enrolment = enrolment_make()
    event_record(
        actor=system_actor(),
        subject_type="courseenrolment",
        subject_id=enrolment.pk,
        learner_id=enrolment.learner_id,
        action="updated",
        from_state="active",
        to_state="completed",
        data={"qual_issued": ["False", "True"], "email_status": ["not_sent", "sent"]},
    )

    html = _history(rto_user_client, enrolment.learner)

    assert "Active → Completed" in html
    assert "Qualification issued: No → Yes" in html
    assert "Email status: Not sent → Sent" in html
    assert "not_sent" not in html
