"""Background tasks (django-tasks, database backend; `manage.py run_worker` runs them): the
signed digital credentials of issued credentials, and the portal's sign-in links."""

import logging
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tasks import task

from testamur.verification.services import digital_credentials_make, portal_link_send

logger = logging.getLogger(__name__)

# Below the issue runs' own chunks: an issue run finishes first, its badges follow.
PRIORITY = -10
RETRY_AFTER = timedelta(minutes=15)


@task(priority=PRIORITY)
def make_digital_credentials(credential_ids: list[int]) -> list[int]:
    """Sign the digital credentials of these issued credentials, from their issuance records.

    When the signing key cannot be unlocked the verification page still answers (it shows the
    record and says the digital credential is being prepared) and the task tries again later;
    `manage.py make_digital_credentials` makes every missing one at once.
    """
    try:
        return digital_credentials_make(credential_ids=credential_ids)
    except ValidationError:
        logger.exception("Digital credentials of %s not made now", credential_ids)
        if make_digital_credentials.get_backend().supports_defer:
            make_digital_credentials.using(run_after=timezone.now() + RETRY_AFTER).enqueue(
                credential_ids
            )
        return []


@task()
def send_portal_link(email: str) -> None:
    """Sent by the worker, so the page answers alike, and as fast, for any address."""
    portal_link_send(email=email)
