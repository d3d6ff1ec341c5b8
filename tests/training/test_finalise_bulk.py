"""Finalising many enrolments from a course offer: one preview, all applied or none."""

from datetime import date

import pytest
from django.urls import reverse

from testamur.accounts.roles import Role
from testamur.core.models import Event
from testamur.training.finalisation.plans import ENROLMENT_PREFIX, WITHDRAWAL_BEFORE_START
from testamur.training.finalisation.services import PREVIEW_STALE
from testamur.training.models import CourseEnrolment, UnitEnrolment
from testamur.training.views.finalisation import NO_ENROLMENTS
from tests.factories import offer_make, outcome
from tests.training.helpers import enrolled, shows, three_unit_offer, units_by_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer():
    return three_unit_offer()


@pytest.fixture
def enrolments(offer):
    return [
        enrolled(offer, given="Ada", family="Lovelace", client_id="L1001"),
        enrolled(offer, given="Grace", family="Hopper", client_id="L1002"),
        enrolled(offer, given="Alan", family="Turing", client_id="L1003"),
    ]


def _finalise_url(offer, enrolments=()) -> str:
    query = "&".join(f"enrolment={e.pk}" for e in enrolments)
    return f"{reverse('training:offer_finalise', args=[offer.pk])}?{query}"


def _form(enrolments, **overrides) -> dict:
    data = {
        "enrolment": [e.pk for e in enrolments],
        "status": "withdrawn",
        "status_reason": "Course cancelled by employer",
        "withdrawal_date": "2026-02-20",
    }
    data.update(overrides)
    return data


def test_the_bulk_bar_offers_finalise_to_admins_only(role_client, offer, enrolments):
    url = reverse("training:offer_detail", args=[offer.pk])
    admin_page = role_client(Role.ADMIN).get(url).content.decode()
    user_page = role_client(Role.USER).get(url).content.decode()

    assert 'name="action" value="finalise"' in admin_page
    assert 'name="action" value="finalise"' not in user_page


def test_ticked_enrolments_go_on_to_the_finalise_form(rto_admin_client, offer, enrolments):
    response = rto_admin_client.post(
        reverse("training:offer_bulk", args=[offer.pk]),
        {"action": "finalise", "enrolment": [enrolments[0].pk, enrolments[2].pk]},
        follow=True,
    )

    text = response.content.decode()
    assert "Finalise enrolments in BSB4-2026-T1" in text
    assert "Selected learners (2)" in text
    assert "Ada Lovelace" in text and "Alan Turing" in text
    assert "Grace Hopper" not in text


def test_preview_then_apply_finalises_every_selected_enrolment(rto_admin_client, offer, enrolments):
    picked = enrolments[:2]
    url = reverse("training:offer_finalise", args=[offer.pk])

    preview = rto_admin_client.post(url, {**_form(picked), "step": "preview"})
    text = preview.content.decode()
    assert "Ada Lovelace (L1001)" in text and "Grace Hopper (L1002)" in text
    assert "Alan Turing" not in text
    applied = rto_admin_client.post(
        url,
        {**_form(picked), "step": "apply", "fingerprint": preview.context["fingerprint"]},
        follow=True,
    )

    assert shows(applied, "Finalised 2 enrolment(s) as Withdrawn")
    statuses = dict(CourseEnrolment.objects.values_list("learner__client_id", "status"))
    assert statuses == {"L1001": "withdrawn", "L1002": "withdrawn", "L1003": "active"}
    for enrolment in picked:
        units = units_by_code(enrolment)
        assert [units[c].outcome.code for c in sorted(units)] == ["40", "40", "00"]
    assert Event.objects.filter(subject_type="courseenrolment", action="finalised").count() == 2


def test_one_bad_enrolment_means_none_is_finalised_and_each_is_named(
    rto_admin_client, offer, enrolments
):
    late, later = enrolments[1], enrolments[2]
    CourseEnrolment.objects.filter(pk=late.pk).update(commencement_date=date(2026, 3, 1))
    CourseEnrolment.objects.filter(pk=later.pk).update(commencement_date=date(2026, 4, 1))

    response = rto_admin_client.post(
        reverse("training:offer_finalise", args=[offer.pk]),
        {**_form(enrolments), "step": "apply"},
    )

    for name, client_id, start in (
        ("Grace Hopper", "L1002", "01/03/2026"),
        ("Alan Turing", "L1003", "01/04/2026"),
    ):
        message = WITHDRAWAL_BEFORE_START.format(start=start)
        assert shows(
            response, ENROLMENT_PREFIX.format(name=name, client_id=client_id, message=message)
        )
    assert not CourseEnrolment.objects.exclude(status="active").exists()
    assert not UnitEnrolment.objects.filter(outcome__code="40").exists()
    assert not Event.objects.filter(action="finalised").exists()


def test_a_record_changed_after_the_preview_is_not_overwritten(rto_admin_client, offer, enrolments):
    url = reverse("training:offer_finalise", args=[offer.pk])
    preview = rto_admin_client.post(url, {**_form(enrolments), "step": "preview"})
    # Meanwhile someone records a result for Ada's second unit.
    changed = units_by_code(enrolments[0])["BSBWHS411"]
    UnitEnrolment.objects.filter(pk=changed.pk).update(outcome=outcome("20"))

    response = rto_admin_client.post(
        url,
        {**_form(enrolments), "step": "apply", "fingerprint": preview.context["fingerprint"]},
    )

    assert shows(response, PREVIEW_STALE)
    assert "Preview: Finalise enrolments" in response.content.decode()
    assert not CourseEnrolment.objects.exclude(status="active").exists()
    changed.refresh_from_db()
    assert changed.outcome.code == "20"


def test_enrolments_of_other_offers_are_ignored(rto_admin_client, offer, enrolments):
    elsewhere = enrolled(offer_make(offer.course, code="OTHER-1"), client_id="L9999")

    rto_admin_client.post(
        reverse("training:offer_finalise", args=[offer.pk]),
        {**_form([enrolments[0], elsewhere]), "step": "apply"},
    )

    assert CourseEnrolment.objects.get(pk=enrolments[0].pk).status == "withdrawn"
    assert CourseEnrolment.objects.get(pk=elsewhere.pk).status == "active"


def test_nothing_selected_goes_back_to_the_offer(rto_admin_client, offer):
    response = rto_admin_client.get(_finalise_url(offer), follow=True)

    assert response.redirect_chain[-1][0] == reverse("training:offer_detail", args=[offer.pk])
    assert shows(response, NO_ENROLMENTS)


def test_users_cannot_finalise(rto_user_client, offer, enrolments):
    bulk = rto_user_client.post(
        reverse("training:offer_bulk", args=[offer.pk]),
        {"action": "finalise", "enrolment": [enrolments[0].pk]},
    )
    direct = rto_user_client.post(
        reverse("training:offer_finalise", args=[offer.pk]),
        {**_form(enrolments), "step": "apply"},
    )
    single = rto_user_client.get(reverse("training:enrolment_finalise", args=[enrolments[0].pk]))

    assert (bulk.status_code, direct.status_code, single.status_code) == (403, 403, 403)
    assert not CourseEnrolment.objects.exclude(status="active").exists()
