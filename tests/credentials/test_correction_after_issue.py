"""A correction after issue is a re-issue (DESIGN.md rule 9): when the learner's name or an
achieved unit changed since issue, the credential page says what differs and offers to re-issue
with the corrected details: the credential is cancelled with that reason and its replacement,
linked to it, gets a new number and the corrected details."""

import pytest
from django.urls import reverse

from testamur.credentials.models import Credential, CredentialStatus
from testamur.training.models import UnitEnrolment
from testamur.training.services import unit_enrolment_update
from tests.credentials.helpers import generated, issue
from tests.factories import outcome
from tests.verification.helpers import one_issued

pytestmark = pytest.mark.django_db


@pytest.fixture
def credential(rto_admin, django_capture_on_commit_callbacks):
    return one_issued(rto_admin, django_capture_on_commit_callbacks)


def _corrected(credential, rto_admin):
    learner = credential.learner
    learner.family_name = "Tran"
    learner.save()
    unit = UnitEnrolment.objects.get(
        course_enrolment=credential.course_enrolment, unit__code="BSBXCM401"
    )
    unit_enrolment_update(unit_enrolment=unit, actor=rto_admin, data={"outcome": outcome("20")})


def test_the_page_says_what_changed_and_reissues_with_the_corrected_details(
    credential, rto_admin, rto_admin_client, client, django_capture_on_commit_callbacks
):
    detail = reverse("credentials:detail", args=[credential.pk])
    assert "Details changed since issue" not in rto_admin_client.get(detail).content.decode()
    _corrected(credential, rto_admin)

    page = rto_admin_client.get(detail).content.decode()

    assert "Details changed since issue" in page
    assert "<td>Learner&#x27;s full name</td><td>Mia Rose Nguyen</td><td>Mia Rose Tran</td>" in page
    assert "<td>Unit BSBXCM401</td><td>not on the document</td><td>outcome 20</td>" in page
    reissue = reverse("credentials:reissue", args=[credential.pk]) + "?corrected=1"
    assert "Re-issue with the corrected details" in page and reissue in page

    form = rto_admin_client.get(reissue).content.decode()
    assert "Corrected details: Learner&#x27;s full name Mia Rose Nguyen → Mia Rose Tran" in form
    reason = (
        "Corrected details: Learner's full name Mia Rose Nguyen → Mia Rose Tran; "
        "Name shown publicly Mia Nguyen → Mia Tran; "
        "Unit BSBXCM401 not on the document → outcome 20"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = rto_admin_client.post(
            reissue, {"reason": reason, "credential_date": "2026-11-30"}
        )

    credential.refresh_from_db()
    assert credential.status == CredentialStatus.CANCELLED
    assert credential.status_reason == reason
    replacement = Credential.objects.get(replaces=credential)
    assert response["Location"] == reverse("credentials:detail", args=[replacement.pk])
    issue(
        rto_admin,
        generated(rto_admin, [replacement], django_capture_on_commit_callbacks),
        django_capture_on_commit_callbacks,
    )
    replacement.refresh_from_db()
    assert replacement.number != credential.number
    record = replacement.issued_record
    assert record.learner_full_name == "Mia Rose Tran"
    assert "BSBXCM401" in [unit["code"] for unit in record.units]
    old = client.get(reverse("verification:verify", args=[credential.verification_code]))
    assert "Replaced" in old.content.decode() and replacement.number in old.content.decode()
    new = client.get(reverse("verification:verify", args=[replacement.verification_code]))
    assert "Mia Tran" in new.content.decode()


def test_a_user_sees_the_changes_but_an_admin_reissues(credential, rto_admin, rto_user_client):
    _corrected(credential, rto_admin)

    page = rto_user_client.get(reverse("credentials:detail", args=[credential.pk]))

    html = page.content.decode()
    assert "Details changed since issue" in html
    assert "Re-issue with the corrected details" not in html
    assert "An Admin can re-issue it with the corrected details." in html


def test_the_api_lists_the_changes_since_issue(credential, rto_admin, make_user):
    from testamur.accounts.roles import Role
    from testamur.api.services import api_token_create
    from tests.api.conftest import ApiClient

    _corrected(credential, rto_admin)
    user = make_user(Role.USER)
    api = ApiClient(user, api_token_create(user=user, name="Student system")[1])

    detail = api.get(f"/credentials/{credential.pk}").json()

    assert detail["as_issued"]["learner_name"] == "Mia Rose Nguyen"
    assert {
        "what": "Learner's full name",
        "as_issued": "Mia Rose Nguyen",
        "now": "Mia Rose Tran",
    } in detail["changed_since_issue"]


def test_the_register_shows_the_name_as_printed_and_that_it_changed(
    credential, rto_admin, rto_user_client
):
    _corrected(credential, rto_admin)

    html = rto_user_client.get(reverse("credentials:register")).content.decode()

    assert ">Mia Rose Nguyen</a>" in html
    assert "Now Mia Rose Tran: re-issue to correct" in html
