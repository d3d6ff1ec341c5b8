"""Writes: a credential's digital credential, status list changes, learner portal sign-in."""

import hashlib
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from testamur.core.events import EventRecord, event_record, event_record_many
from testamur.credentials.models import Credential, CredentialIssuance, CredentialStatus
from testamur.learners.models import Learner
from testamur.organisation.models import Organisation
from testamur.verification import composition, selectors
from testamur.verification.issuance import proof_add, utc_timestamp
from testamur.verification.keys import active_vc_signing_key, private_key_of, signing_identity
from testamur.verification.models import (
    STATUS_LIST_LENGTH,
    DigitalCredential,
    PortalLink,
    StatusList,
    StatusPurpose,
)
from testamur.verification.page_cache import pages_forget

logger = logging.getLogger(__name__)

PORTAL_LINK_LIFETIME = timedelta(minutes=30)
LINK_EXPIRED = "This sign-in link has expired (links last 30 minutes). Ask for a new one below."
LINK_USED = "This sign-in link has already been used. Ask for a new one below."
LINK_UNKNOWN = "This sign-in link is not valid. Ask for a new one below."
PORTAL_DISABLED = (
    "Portal access for this learner has been turned off by the RTO. Contact the RTO for copies "
    "of your credentials."
)
# Lists are filled to half so random indexes stay quick to find and hard to guess.
LIST_FILL = STATUS_LIST_LENGTH // 2


class PortalLinkError(Exception):
    pass


def _sign(document: dict, key) -> dict:
    return proof_add(
        document,
        private_key=private_key_of(key),
        verification_method=signing_identity(key)[1],
        created=timezone.now(),
    )


def digital_credential_signed(
    entry: DigitalCredential, record: CredentialIssuance, *, key, private_key
) -> dict:
    """The signed Open Badges credential of a digital credential entry: the one form, whether
    the issue run signs it for the PDF (pdf_twin) or the background task after (below). Named
    by the issuer identity of VC_ISSUER, its proof published as a set (the OB 3.0 schema)."""
    issuer, method = signing_identity(key)
    return proof_add(
        selectors.unsigned_credential(entry, record, issuer_id=issuer),
        private_key=private_key,
        verification_method=method,
        created=timezone.now(),
        as_set=True,
    )


def _open_status_list(purpose: str) -> StatusList:
    """The list new entries go into: the first one less than half full."""
    for status_list in StatusList.objects.filter(purpose=purpose).order_by("number"):
        if status_list.entries.count() < LIST_FILL:
            return status_list
    last = StatusList.objects.filter(purpose=purpose).order_by("-number").first()
    status_list, _ = StatusList.objects.get_or_create(
        purpose=purpose, number=(last.number + 1) if last else 1
    )
    return status_list


# Tries at giving every credential of a batch a free place. Each try places every row whose
# random index is free: at least half of them, since a list takes entries until half full.
ENTRY_TRIES = 20


def entries_create(credentials: list[Credential]) -> dict[int, DigitalCredential]:
    """A random, unused place in the open revocation list for each credential, by credential id.

    One INSERT a try for the whole batch: a row whose index (or credential) is taken is left
    out by the database, and tried again with a new index. A credential that got its entry
    from another process meanwhile keeps that one.
    """
    wanted = {credential.pk: credential for credential in credentials}
    entries: dict[int, DigitalCredential] = {}
    if not wanted:
        return entries
    status_list = _open_status_list(StatusPurpose.REVOCATION)
    for _ in range(ENTRY_TRIES):
        rows = []
        for credential in wanted.values():
            row = DigitalCredential(
                credential=credential,
                status_list=status_list,
                status_index=secrets.randbelow(STATUS_LIST_LENGTH),
            )
            # Uniqueness and the index's range are the database's to decide (its constraints,
            # and the rows it leaves out): validating them here cost two queries a badge.
            row.full_clean(
                exclude=["credential", "status_list"],
                validate_unique=False,
                validate_constraints=False,
            )
            rows.append(row)
        DigitalCredential.objects.bulk_create(rows, ignore_conflicts=True)
        for entry in DigitalCredential.objects.select_related("status_list").filter(
            credential_id__in=list(wanted)
        ):
            entries[entry.credential_id] = entry
            del wanted[entry.credential_id]
        if not wanted:
            return entries
    raise RuntimeError(f"No free index found in {status_list}")


def digital_credential_event(
    credential: Credential, entry: DigitalCredential, *, number: str, in_document: bool = False
) -> EventRecord:
    """The event saying a credential's signed digital credential was made (and whether the
    issued PDF carries it)."""
    data = {
        "number": number,
        "status_list": entry.status_list.number,
        "status_index": entry.status_index,
    }
    if in_document:
        data["in_document"] = True
    return EventRecord(
        actor=None,
        subject_type="credential",
        subject_id=credential.pk,
        learner_id=credential.learner_id,
        action="digital_credential_issued",
        data=data,
    )


def digital_credentials_make(*, credential_ids: list[int]) -> list[int]:
    """Make the signed Open Badges credential of each issued credential that has none, from
    its issuance record alone (never live tables). Returns the ids of those made.

    Runs in the background right after an issue commits (tasks.py). Raises ValidationError
    (VC_KEY_LOCKED) and changes nothing when the signing key cannot be unlocked.
    """
    key = active_vc_signing_key()
    private_key = private_key_of(key)
    with transaction.atomic():
        credentials = list(
            Credential.objects.select_for_update(of=("self",))
            .select_related("issuance", "digital_credential__status_list")
            .filter(pk__in=credential_ids, status=CredentialStatus.ISSUED)
            .order_by("pk")
        )
        to_make, entries = [], {}
        for credential in credentials:
            entry = getattr(credential, "digital_credential", None)
            if credential.issued_record is None or (entry is not None and entry.signed):
                continue
            to_make.append(credential)
            if entry is not None:
                entries[credential.pk] = entry
        entries |= entries_create([c for c in to_make if c.pk not in entries])
        events, made, signed = [], [], []
        for credential in to_make:
            record = credential.issued_record
            entry = entries[credential.pk]
            entry.signed = digital_credential_signed(
                entry, record, key=key, private_key=private_key
            )
            entry.signed_at = timezone.now()
            signed.append(entry)
            events.append(digital_credential_event(credential, entry, number=record.number))
            made.append(credential.pk)
        DigitalCredential.objects.bulk_update(signed, ["signed", "signed_at"])
        event_record_many(events)
        # Their public pages now offer the digital credential.
        transaction.on_commit(lambda: pages_forget(credential_ids=made))
    return made


def status_lists_credentials_changed(*, credential_ids: list[int]) -> None:
    """The lists holding these (cancelled) credentials must be signed again."""
    StatusList.objects.filter(entries__credential_id__in=credential_ids).update(
        version=F("version") + 1
    )


def status_list_sign(*, status_list: StatusList) -> StatusList:
    """Rebuild a list from the database (bit set = cancelled) and sign it, if it changed."""
    with transaction.atomic():
        status_list = StatusList.objects.select_for_update().get(pk=status_list.pk)
        if status_list.signed and status_list.signed_version == status_list.version:
            return status_list
        revoked = DigitalCredential.objects.filter(
            status_list=status_list, credential__status=CredentialStatus.CANCELLED
        ).values_list("status_index", flat=True)
        key = active_vc_signing_key()
        document = composition.status_list_credential(
            purpose=status_list.purpose,
            number=status_list.number,
            encoded_list=composition.bitstring_encode(revoked, STATUS_LIST_LENGTH),
            valid_from=utc_timestamp(timezone.now()),
            issuer_id=signing_identity(key)[0],
        )
        status_list.signed = _sign(document, key)
        status_list.signed_version = status_list.version
        status_list.save(update_fields=["signed", "signed_version", "updated_at"])
    return status_list


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def portal_link_send(*, email: str) -> int:
    """Email a one-time sign-in link to each learner with this address whose portal access is
    on. Returns how many were sent; callers must not tell the visitor (no account probing)."""
    sent = 0
    organisation = Organisation.load()
    for learner in selectors.learners_for_portal(email):
        token = secrets.token_urlsafe(32)
        with transaction.atomic():
            link = PortalLink.objects.create(
                learner=learner,
                token_hash=_token_hash(token),
                expires_at=timezone.now() + PORTAL_LINK_LIFETIME,
            )
            event_record(
                actor=None,
                subject_type="learner",
                subject_id=learner.pk,
                learner_id=learner.pk,
                action="portal_link_sent",
                data={"link": link.pk},
            )
        url = settings.PUBLIC_BASE_URL + reverse("verification:portal_redeem", args=[token])
        body = (
            f"Hello {learner.given_name},\n\n"
            f"Use this link to see and download your credentials from "
            f"{organisation.display_name}:\n\n{url}\n\n"
            "The link works once and expires in 30 minutes. If you did not ask for it, you can "
            "ignore this email.\n"
        )
        try:
            send_mail(
                f"Your sign-in link for {organisation.display_name}",
                body,
                None,
                [learner.email],
            )
        except OSError:
            logger.exception("Could not send a portal sign-in link to learner %s", learner.pk)
            continue
        sent += 1
    return sent


def portal_link_check(token: str) -> PortalLink:
    """The link for a token if it can still be used; PortalLinkError says why not."""
    link = (
        PortalLink.objects.select_related("learner").filter(token_hash=_token_hash(token)).first()
    )
    if link is None:
        raise PortalLinkError(LINK_UNKNOWN)
    if link.used_at:
        raise PortalLinkError(LINK_USED)
    if link.expires_at <= timezone.now():
        raise PortalLinkError(LINK_EXPIRED)
    if selectors.portal_access_disabled(link.learner):
        raise PortalLinkError(PORTAL_DISABLED)
    return link


def portal_link_redeem(*, token: str) -> Learner:
    """Use a sign-in link (once). Returns the learner it signs in."""
    with transaction.atomic():
        link = portal_link_check(token)
        # A conditional update: of two clicks at the same moment, only one signs in.
        updated = PortalLink.objects.filter(pk=link.pk, used_at__isnull=True).update(
            used_at=timezone.now()
        )
        if not updated:
            raise PortalLinkError(LINK_USED)
        event_record(
            actor=None,
            subject_type="learner",
            subject_id=link.learner_id,
            learner_id=link.learner_id,
            action="portal_signed_in",
            data={"link": link.pk},
        )
    return link.learner
