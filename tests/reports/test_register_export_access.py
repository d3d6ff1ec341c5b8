"""Only the person who asked for a register export, while they may still see the register, can
see its page or download its file: it holds learners' personal data."""

import pytest
from django.test import Client

from testamur.accounts.models import User
from testamur.accounts.roles import Role
from testamur.reports.models import RegisterExport
from tests.factories import course_make, offer_make, organisation_configured
from tests.reports.helpers import XLSX_START, register_entry

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def export(make_user, django_capture_on_commit_callbacks):
    """A finished export a User asked for (Users may see and download the register)."""
    organisation_configured()
    register_entry(offer_make(course_make("BSB40120"), code="BSB40120-T1"), given_name="Ann")
    user = make_user(Role.USER, "asker")
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(user).post(XLSX_START)
    assert response.status_code == 302
    return RegisterExport.objects.get(requested_by=user)


def _urls(export) -> list[str]:
    base = f"/reports/register/exports/{export.pk}"
    return [f"{base}/", f"{base}/progress/", f"{base}/file/"]


def test_the_user_who_asked_downloads_it(export):
    client = _client(export.requested_by)

    for url in _urls(export):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.USER])
def test_anyone_else_is_told_it_is_not_there(export, make_user, role):
    client = _client(make_user(role))

    for url in _urls(export):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/reports/register/exports/{export.pk}/again/").status_code == 404
    assert (
        "credential-register-by-" not in client.get("/reports/register/exports/").content.decode()
    )


def test_someone_who_may_no_longer_see_the_register_is_refused(export):
    user = export.requested_by
    user.groups.clear()
    user = User.objects.get(pk=user.pk)

    client = _client(user)
    for url in _urls(export):
        assert client.get(url).status_code == 403, url
    assert client.post(XLSX_START).status_code == 403


def test_signed_out_visitors_go_to_the_sign_in_page(export):
    for url in _urls(export):
        response = Client().get(url)
        assert response.status_code == 302
        assert "login" in response["Location"]


def test_the_export_is_started_only_by_a_post(export):
    client = _client(export.requested_by)

    assert client.get(XLSX_START).status_code == 405
    assert RegisterExport.objects.count() == 1
