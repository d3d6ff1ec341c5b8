"""Removing part of a qualification's packaging rules asks first and says how many
enrolments will be audited again; the rule "in words" always follows the current groups."""

import pytest
from django.urls import reverse

from testamur.qualifications.models import ElectiveGroup, PackagingRule
from testamur.qualifications.views.rules import CONFIRM_CORE, REAUDIT_MANY, REAUDIT_NONE
from tests.factories import learner_make, qualification_enrolment_make, units_make
from tests.qualifications.helpers import BSB_CORE, business

pytestmark = pytest.mark.django_db


@pytest.fixture
def bsb():
    qualification = business()
    for _ in range(2):
        qualification_enrolment_make(learner_make(), qualification)
    return qualification


def test_removing_a_group_asks_first_and_counts_the_reaudit(bsb, rto_admin_client):
    group = ElectiveGroup.objects.get()
    url = reverse("qualifications:group_delete", args=[group.pk])
    rules = rto_admin_client.get(reverse("qualifications:rules", args=[bsb.pk])).content.decode()
    assert f'href="{url}"' in rules

    for ask in (rto_admin_client.get(url), rto_admin_client.post(url)):
        page = ask.content.decode()
        assert ask.status_code == 200
        assert "Remove group E (Listed electives)" in page
        assert REAUDIT_MANY.format(count=2, code="BSB40120") in page
        assert ElectiveGroup.objects.filter(pk=group.pk).exists()

    response = rto_admin_client.post(url, {"confirm": "yes"}, follow=True)
    assert "Group E removed." in response.content.decode()
    assert not ElectiveGroup.objects.filter(pk=group.pk).exists()


def test_removing_core_units_asks_first_then_saves(bsb, rto_admin_client):
    url = reverse("qualifications:rule_edit", args=[bsb.pk])
    data = {
        "units_required": "12",
        "imported_electives_limit": "2",
        "core_units": " ".join(BSB_CORE[1:]),
        "description": "",
    }
    ask = rto_admin_client.post(url, data).content.decode()
    removed = CONFIRM_CORE.format(count=1, s="", code="BSB40120", codes=BSB_CORE[0])
    assert removed in ask
    assert REAUDIT_MANY.format(count=2, code="BSB40120") in ask
    assert PackagingRule.objects.get().core_units.count() == len(BSB_CORE)

    response = rto_admin_client.post(url, {**data, "confirm": "yes"}, follow=True)
    assert "Packaging rules of BSB40120 saved." in response.content.decode()
    assert PackagingRule.objects.get().core_units.count() == len(BSB_CORE) - 1


def test_adding_core_units_needs_no_confirmation(rto_admin_client):
    qualification = business()
    response = rto_admin_client.post(
        reverse("qualifications:rule_edit", args=[qualification.pk]),
        {"units_required": "12", "imported_electives_limit": "2", "core_units": " ".join(BSB_CORE)},
    )
    assert response.status_code == 302
    assert REAUDIT_NONE.format(code="BSB40120") == (
        "No enrolment of BSB40120 is audited again: it has none open."
    )


def test_in_words_follows_the_current_groups(bsb, rto_admin_client):
    rules_url = reverse("qualifications:rules", args=[bsb.pk])
    page = rto_admin_client.get(rules_url).content.decode()
    assert (
        "12 units in all: 5 core and 7 elective (any from Group E (Listed electives); "
        "up to 2 from elsewhere)." in page
    )
    units_make("BSBXTR001")
    rto_admin_client.post(
        reverse("qualifications:rules_group_add", args=[bsb.pk]),
        {"key": "F", "name": "More", "at_least": "1", "units": "BSBXTR001"},
    )
    page = rto_admin_client.get(rules_url).content.decode()
    assert "any from Group E (Listed electives); at least 1 from Group F (More)" in page
