"""The register's search finds exactly what the plain filter finds (every word in a name, the
learner ID, part of a number), whichever way it runs: through the indexes for a few matches,
as a filter on the register's order for many."""

import itertools
from datetime import date

import pytest
from django.db.models import Q

from testamur.credentials.models import Credential
from testamur.credentials.selectors import credential_list, register
from testamur.learners.selectors import name_search_q
from tests.factories import enrolment_make, learner_make, offer_make, system_actor, template_make

pytestmark = pytest.mark.django_db

GIVEN = ["Mia", "Noah", "Ava", "Zoë", "Jack"]
FAMILY = ["Nguyen", "Smith", "O'Brien", "Smithers", "Lee-Chen"]
QUERIES = [
    "mia",
    "MIA NGUYEN",
    "nguyen, mia",
    "smith",
    "o'brien ava",
    "lee-chen",
    "S00003",
    "s00003",
    "S0000",
    "TM-000",
    "TM-0007",
    "Chen Jack Noah",
    "zzz",
    "e",
]


def _plain(search: str) -> list[int]:
    """The register's search as one filter (what it was before the indexes)."""
    names = name_search_q(search, prefix="learner__")
    matches = names | Q(learner__client_id__iexact=search) | Q(number__icontains=search)
    return list(
        Credential.objects.filter(matches)
        .order_by(*register.REGISTER_ORDER)
        .values_list("pk", flat=True)
    )


@pytest.fixture
def sample():
    offer = offer_make()
    template = template_make()
    actor = system_actor()
    credentials = []
    for i, (given, family) in enumerate(itertools.product(GIVEN, FAMILY)):
        learner = learner_make(
            client_id=f"S{i:05d}",
            given_name=given,
            family_name=family,
            preferred_name="Jack" if i % 7 == 0 else "",
        )
        credentials.append(
            Credential(
                credential_type=template.credential_type,
                template=template,
                learner=learner,
                course_enrolment=enrolment_make(learner=learner, offer=offer),
                course=offer.course,
                credential_date=date(2026, 11, 20),
                number=f"TM-{i:05d}" if i % 2 else None,
                created_by=actor,
            )
        )
    return Credential.objects.bulk_create(credentials)


@pytest.mark.parametrize("many_at", [2000, 3], ids=["few matches", "many matches"])
def test_search_finds_what_the_plain_filter_finds_in_register_order(sample, many_at, monkeypatch):
    # The search reads the bound where it is defined (selectors/register.py).
    monkeypatch.setattr(register, "SEARCH_IDS_AT_MOST", many_at)
    for query in QUERIES:
        found = list(credential_list(search=query).values_list("pk", flat=True))
        assert found == _plain(query), query
    assert len(_plain("smith")) == 10  # the sample has matches to find
