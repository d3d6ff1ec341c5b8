"""Staff find learners by name, learner ID, email or USI, and narrow the list with filters."""

import re

import pytest
from django.urls import reverse

from testamur.learners.models import UsiStatus
from tests.factories import learner_make, make_usi
from tests.learners.helpers import page_text

URL = reverse("learners:list")


def names_listed(response) -> list[str]:
    """The learner names linked in the table, in order."""
    return re.findall(r'<a href="/learners/\d+/">([^<]+)</a>', page_text(response))


@pytest.fixture
def people(db):
    return {
        "mia": learner_make(
            client_id="HC001",
            given_name="Mia",
            family_name="Nguyen",
            email="mia.n@example.com",
            usi="BNGH7C75FN",
        ),
        "noah": learner_make(
            client_id="HC002",
            given_name="Noah",
            family_name="Nguyen",
            preferred_name="Bui",
            email="noah@school.example",
            usi_status=UsiStatus.NOT_VERIFIED,
            usi="BP6LKB3C7X",
        ),
        "mia_smith": learner_make(
            client_id="HC003",
            given_name="Mia",
            family_name="Smith",
            email="ms@example.com",
            usi_status=UsiStatus.NOT_SUPPLIED,
            is_active=False,
        ),
        "ava": learner_make(
            client_id="HC004",
            given_name="Ava",
            family_name="Jones",
            email="ava@example.com",
            usi_status=UsiStatus.EXEMPTION_INDIV,
            privacy_flag=True,
        ),
    }


def test_the_list_shows_each_learner_with_usi_and_status(rto_user_client, people):
    response = rto_user_client.get(URL)

    html = page_text(response)
    assert names_listed(response) == ["Ava Jones", "Mia Nguyen", "Noah Nguyen", "Mia Smith"]
    assert "BNGH7C75FN" in html
    assert "HC001" in html
    assert "mia.n@example.com" in html
    assert '<span class="status ok">Verified</span>' in html
    assert '<span class="status warn">Not verified</span>' in html
    assert '<span class="status bad">Not supplied</span>' in html


@pytest.mark.parametrize(
    "q,expected",
    [
        ("BNGH7C75FN", ["Mia Nguyen"]),
        ("bngh7c75fn", ["Mia Nguyen"]),
        ("BNGH7C75", []),
        ("mia.n@example.com", ["Mia Nguyen"]),
        ("school.example", ["Noah Nguyen"]),
        ("Mia Nguyen", ["Mia Nguyen"]),
        ("nguyen mia", ["Mia Nguyen"]),
        ("Nguyen, Mia", ["Mia Nguyen"]),
        ("Mia", ["Mia Nguyen", "Mia Smith"]),
        ("Bui", ["Noah Nguyen"]),
        ("HC003", ["Mia Smith"]),
        ("  Smith  ", ["Mia Smith"]),
        ("Zed", []),
    ],
)
def test_search(rto_user_client, people, q, expected):
    response = rto_user_client.get(URL, {"q": q})

    assert names_listed(response) == expected
    if not expected:
        assert "No learners match this search." in page_text(response)


@pytest.mark.parametrize(
    "filters,expected",
    [
        ({"active": "no"}, ["Mia Smith"]),
        ({"active": "yes"}, ["Ava Jones", "Mia Nguyen", "Noah Nguyen"]),
        ({"active": ""}, ["Ava Jones", "Mia Nguyen", "Noah Nguyen", "Mia Smith"]),
        ({"usi_status": "unverified"}, ["Noah Nguyen", "Mia Smith"]),
        ({"usi_status": "verified"}, ["Mia Nguyen"]),
        ({"usi_status": "exemption_indiv"}, ["Ava Jones"]),
        ({"privacy": "yes"}, ["Ava Jones"]),
        ({"privacy": "no"}, ["Mia Nguyen", "Noah Nguyen", "Mia Smith"]),
        ({"q": "Mia", "active": "yes"}, ["Mia Nguyen"]),
        ({"active": "yes", "usi_status": "unverified"}, ["Noah Nguyen"]),
    ],
)
def test_filters(rto_user_client, people, filters, expected):
    assert names_listed(rto_user_client.get(URL, filters)) == expected


def test_the_dashboard_link_for_unverified_usis_lists_them(rto_user_client, people):
    response = rto_user_client.get(URL + "?active=yes&usi_status=unverified")

    assert names_listed(response) == ["Noah Nguyen"]


@pytest.mark.parametrize(
    "params",
    [
        {"active": "maybe"},
        {"usi_status": "zzz"},
        {"privacy": "<script>"},
        {"page": "abc"},
        {"page": "-4"},
        {"page": "99999999999999999999"},
        {"q": "x" * 5000},
        {"q": "%_\\'\""},
        {"q": "\x00"},
    ],
)
def test_odd_queries_give_a_page_not_an_error(rto_user_client, people, params):
    response = rto_user_client.get(URL, params)

    assert response.status_code == 200


def test_fifty_learners_a_page_and_page_links_keep_the_filters(rto_user_client, db):
    for n in range(51):
        learner_make(family_name=f"Zed{n:02d}", usi=make_usi(9000 + n))
    learner_make(family_name="Inactive", is_active=False)

    first = rto_user_client.get(URL, {"active": "yes"})

    assert len(names_listed(first)) == 50
    assert 'href="?active=yes&amp;page=2"' in page_text(first)
    assert "Page 1 of 2" in page_text(first)

    second = rto_user_client.get(URL, {"active": "yes", "page": "2"})
    assert names_listed(second) == ["Alex Zed50"]


def test_the_search_box_and_filters_are_labelled(rto_user_client, db):
    html = page_text(rto_user_client.get(URL))

    for name in ("q", "active", "usi_status", "privacy"):
        assert f'<label for="id_{name}">' in html
    assert ">Search</button>" in html
