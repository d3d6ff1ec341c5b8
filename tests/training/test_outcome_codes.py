"""The outcome code table: the organisation's set first, with which codes count as achieved."""

import pytest
from django.urls import reverse

from testamur.organisation.models import Organisation
from testamur.training.models import OutcomeCode

pytestmark = pytest.mark.django_db

URL = reverse("training:outcome_code_list")


def test_national_set_is_shown_first_and_marked_in_use(rto_user_client):
    page = rto_user_client.get(URL).content.decode()

    assert page.index("National (all states except WA) (in use)") < page.index(
        "Western Australia (not in use)"
    )
    assert page.index("Competency achieved / pass") < page.index("Competent (C)")


def test_wa_organisation_sees_the_wa_set_first(rto_user_client):
    organisation = Organisation.load()
    organisation.jurisdiction = "wa"
    organisation.save()

    page = rto_user_client.get(URL).content.decode()

    assert page.index("Western Australia (in use)") < page.index(
        "National (all states except WA) (not in use)"
    )


def test_achieved_flags_come_from_the_table(rto_user_client):
    """Changing a code's achieved flag in the table changes what the page says."""
    page = rto_user_client.get(URL).content.decode()
    achieved_rows = page.count('<span class="status ok">Achieved</span>')
    assert achieved_rows == OutcomeCode.objects.filter(is_achieved=True).count()

    OutcomeCode.objects.filter(jurisdiction="national", code="60").update(is_achieved=False)

    page = rto_user_client.get(URL).content.decode()
    assert page.count('<span class="status ok">Achieved</span>') == achieved_rows - 1
