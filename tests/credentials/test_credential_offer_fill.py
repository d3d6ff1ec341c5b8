"""Credentials keep the course offer they were requested from; older ones get it by migration."""

import importlib

import pytest
from django.apps import apps
from django.db import connection

from testamur.credentials.models import Credential
from tests.factories import credential_make, enrolment_make, offer_make
from tests.reports.helpers import register_entry

pytestmark = pytest.mark.django_db

fill = importlib.import_module("testamur.credentials.migrations.0015_credential_offer")


class _Editor:
    connection = connection


def test_a_requested_credential_keeps_its_enrolments_offer():
    enrolment = enrolment_make(offer=offer_make())

    credential = credential_make(enrolment)

    assert credential.offer_id == enrolment.offer_id


def test_the_migration_gives_old_credentials_their_offer_in_batches(monkeypatch):
    offers = [offer_make(), offer_make(), offer_make()]
    credentials = [register_entry(offers[i % 3]) for i in range(7)]
    credentials += [register_entry(offers[0], status="requested") for _ in range(2)]
    # As they were before the column: issued ones too (the offer is not a frozen issued fact
    # the guards hold, so the migration may fill it).
    Credential.objects.update(offer=None)
    monkeypatch.setattr(fill, "FILL_BATCH", 2)

    fill.fill_offer(apps, _Editor())

    filled = dict(Credential.objects.values_list("id", "offer_id"))
    assert filled == {c.pk: c.course_enrolment.offer_id for c in credentials}
    assert None not in filled.values()


def test_the_migration_leaves_credentials_without_a_course_enrolment_alone():
    entry = register_entry(offer_make(), fields={"course_enrolment": None, "offer": None})

    fill.fill_offer(apps, _Editor())

    entry.refresh_from_db()
    assert entry.offer_id is None
