"""How verification follows the credential lifecycle (credentials/lifecycle.py's registry).

Subscribed in VerificationConfig.ready(): credentials, a lower layer, never imports this app.
"""

from testamur.credentials.lifecycle import Change
from testamur.credentials.models import CredentialStatus
from testamur.verification.page_cache import pages_forget
from testamur.verification.services import status_lists_credentials_changed


def revocation_follow(changes: list[Change], actor) -> None:
    """In the cancelling transaction: the status lists holding cancelled credentials change."""
    cancelled = [
        c.credential.pk
        for c in changes
        if c.action == "cancel" and c.from_state == CredentialStatus.ISSUED
    ]
    if cancelled:
        status_lists_credentials_changed(credential_ids=cancelled)


def digital_credentials_follow(changes: list[Change], actor) -> None:
    """Once an issue has committed: make the signed digital credentials in the background."""
    issued = [c.credential.pk for c in changes if c.action == "issue"]
    if issued:
        from testamur.verification.tasks import make_digital_credentials

        make_digital_credentials.enqueue(issued)


def public_pages_follow(changes: list[Change], actor) -> None:
    """Once a change has committed: the kept public pages of the credentials it touched, and
    of the ones an issued replacement replaces, are made afresh on the next visit."""
    touched = {c.credential.pk for c in changes}
    touched |= {c.credential.replaces_id for c in changes if c.credential.replaces_id}
    pages_forget(credential_ids=sorted(touched))
