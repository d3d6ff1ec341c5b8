"""Bulk actions on an offer's enrolments: tick rows (or all), then act on exactly those."""

import csv
import io

import pytest
from django.urls import reverse

from testamur.training.views.offers import BULK_IGNORED, BULK_NO_ACTION, BULK_NONE_SELECTED
from tests.factories import course_make, enrolment_make, learner_make, offer_make, unit_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer():
    course = course_make(units=[unit_make("BSBWHS411"), unit_make("BSBOPS404")])
    return offer_make(course, code="BSB4-2026-T1")


def _bulk(offer) -> str:
    return reverse("training:offer_bulk", args=[offer.pk])


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_offer_page_has_a_checkbox_per_enrolment_select_all_and_a_bulk_bar(rto_user_client, offer):
    enrolments = [enrolment_make(offer=offer) for _ in range(3)]

    page = rto_user_client.get(reverse("training:offer_detail", args=[offer.pk])).content.decode()

    for enrolment in enrolments:
        assert f'name="enrolment" value="{enrolment.pk}"' in page
    assert 'data-select-all="enrolment"' in page
    assert 'class="bulkbar"' in page
    assert 'name="action" value="download_csv"' in page
    assert "Download selected (CSV)" in page


def test_csv_holds_exactly_the_selected_enrolments(rto_user_client, offer):
    ada = learner_make(given_name="Ada", family_name="Lovelace", client_id="L1001")
    grace = learner_make(given_name="Grace", family_name="Hopper", client_id="L1002")
    picked = enrolment_make(
        ada,
        offer,
        outcomes={"BSBWHS411": "20", "BSBOPS404": "51"},
        status="completed",
        completion_date="2026-06-30",
    )
    second = enrolment_make(grace, offer)
    enrolment_make(learner_make(client_id="L1003"), offer)

    response = rto_user_client.post(
        _bulk(offer), {"action": "download_csv", "enrolment": [picked.pk, second.pk]}
    )

    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="BSB4-2026-T1-enrolments.csv"' in response["Content-Disposition"]
    header, *rows = _rows(response)
    assert header == [
        "Learner ID",
        "Name",
        "Status",
        "Commencement date",
        "Assessment completed",
        "Units achieved",
    ]
    assert sorted(rows) == [
        ["L1001", "Ada Lovelace", "Completed", "02/02/2026", "30/06/2026", "2"],
        ["L1002", "Grace Hopper", "Active", "02/02/2026", "", "0"],
    ]


def test_tampered_ids_are_ignored_with_a_message(rto_user_client, offer):
    mine = enrolment_make(learner_make(client_id="L1001"), offer)
    elsewhere = enrolment_make(learner_make(client_id="L9999"))

    response = rto_user_client.post(
        _bulk(offer), {"action": "download_csv", "enrolment": [mine.pk, elsewhere.pk, "x'--"]}
    )

    _header, *rows = _rows(response)
    assert [row[0] for row in rows] == ["L1001"]
    page = rto_user_client.get(reverse("training:offer_detail", args=[offer.pk])).content.decode()
    assert BULK_IGNORED.format(count=2) in page


def test_nothing_selected_says_so(rto_user_client, offer):
    enrolment_make(offer=offer)

    response = rto_user_client.post(_bulk(offer), {"action": "download_csv"}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("training:offer_detail", args=[offer.pk])
    assert BULK_NONE_SELECTED in response.content.decode()


def test_only_other_offers_enrolments_selected_counts_as_none(rto_user_client, offer):
    elsewhere = enrolment_make()

    response = rto_user_client.post(
        _bulk(offer), {"action": "download_csv", "enrolment": [elsewhere.pk]}, follow=True
    )

    page = response.content.decode()
    assert BULK_IGNORED.format(count=1) in page
    assert BULK_NONE_SELECTED in page


def test_unknown_action_says_so(rto_user_client, offer):
    enrolment = enrolment_make(offer=offer)

    response = rto_user_client.post(
        _bulk(offer), {"action": "delete_everything", "enrolment": [enrolment.pk]}, follow=True
    )

    assert BULK_NO_ACTION in response.content.decode()


def test_bulk_actions_need_a_post(rto_user_client, offer):
    assert rto_user_client.get(_bulk(offer)).status_code == 405


def test_offer_page_queries_do_not_grow_with_enrolments(
    rto_user_client, offer, django_assert_max_num_queries
):
    url = reverse("training:offer_detail", args=[offer.pk])
    enrolment_make(offer=offer)
    rto_user_client.get(url)
    with django_assert_max_num_queries(12) as one:
        rto_user_client.get(url)
    for _ in range(5):
        enrolment_make(offer=offer)

    with django_assert_max_num_queries(len(one.captured_queries)):
        page = rto_user_client.get(url).content.decode()

    assert page.count('name="enrolment"') == 6
