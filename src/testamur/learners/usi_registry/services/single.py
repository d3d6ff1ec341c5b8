"""Verifying one learner's USI now, while the person waits."""

from django.core.exceptions import ValidationError
from django.db import transaction

from testamur.learners.models import EXEMPT_STATUSES, Learner
from testamur.learners.usi_registry.client import RegistryClient, RegistryError
from testamur.learners.usi_registry.config import ConfigurationError
from testamur.learners.usi_registry.models import UsiVerification
from testamur.learners.usi_registry.services.reading import (
    EXEMPT,
    NO_DATE_OF_BIRTH,
    NO_USI,
    learner_person,
    usi_registry_client,
)
from testamur.learners.usi_registry.services.recording import _apply, _evidence, _record_error


def usi_verify_learner(
    *, learner: Learner, actor, client: RegistryClient | None = None
) -> UsiVerification:
    """Ask the registry about one learner now. Always returns the recorded verification: its
    result is `error` (with a message a person can act on) when no answer came."""
    learner = Learner.objects.get(pk=learner.pk)
    if learner.usi_status in EXEMPT_STATUSES or not learner.usi:
        raise ValidationError(
            NO_USI if not learner.usi else EXEMPT.format(status=learner.get_usi_status_display())
        )
    if not learner.date_of_birth:
        raise ValidationError(NO_DATE_OF_BIRTH)
    person = learner_person(learner)
    try:
        client = client or usi_registry_client()
        outcome = client.verify(person)
    except ConfigurationError as exc:
        return _record_error(
            [learner.pk], {learner.pk: person}, actor=actor, job=None, message=str(exc)
        )
    except RegistryError as exc:
        return _record_error(
            [learner.pk],
            {learner.pk: person},
            actor=actor,
            job=None,
            message=exc.message,
            request_id=exc.request_id,
        )
    with transaction.atomic():
        rows, _ = _apply(
            [(person, outcome.sent[0], outcome.answers[0])],
            actor=actor,
            job=None,
            request_id=outcome.request_id,
            evidence=_evidence(client, outcome.request_id),
        )
    return rows[0]
