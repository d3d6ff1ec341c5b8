"""The issued PDF's digital twin: the signed Open Badges credential, embedded in the PDF/A-3b
document as an associated file `<number>-open-badge.json`, and read back out of a PDF.

In the issue run (credentials/twins.py calls `twins_for_records`), after the issuance records
are frozen and before any document is signed, each credential gets its status-list place and
its signed credential, composed from the frozen record alone. The same JSON goes into the PDF
and, in the transaction that makes the credential Issued (`twins_store`, a lifecycle
follower), into DigitalCredential.signed: the credential served at /v/<code>/open-badge.json is
byte for byte the one inside the document. A credential issued without one (setting off, or
issued before this) gets its credential from services.digital_credentials_make as before.
"""

import io
import json
import threading

import pikepdf
from django.db import transaction
from django.utils import timezone

from testamur.core.events import event_record_many
from testamur.credentials.models import CredentialIssuance
from testamur.credentials.rendering.engine import Attachment
from testamur.verification.keys import active_vc_signing_key, private_key_of
from testamur.verification.models import DigitalCredential
from testamur.verification.services import (
    digital_credential_event,
    digital_credential_signed,
    entries_create,
)

MEDIA_TYPE = "application/ld+json"
DESCRIPTION = "The signed Open Badges 3.0 credential of this document (its digital twin)"
FILENAME_SUFFIX = "-open-badge.json"
# A credential is a few kilobytes; a PDF dropped on a page is bounded by its upload limit.
MAX_PDF_BYTES = 20 * 1024 * 1024
MAX_CREDENTIAL_BYTES = 1024 * 1024

# credential id → (the record's frozen_at, signed credential) made by this process's issue run
# and not yet stored; the issuing transaction stores those whose record is still the same.
_made = threading.local()


def _pending() -> dict:
    if not hasattr(_made, "credentials"):
        _made.credentials = {}
    return _made.credentials


def twin_filename(number: str) -> str:
    return f"{number}{FILENAME_SUFFIX}"


def twins_for_records(records: list[CredentialIssuance]) -> dict[int, Attachment]:
    """Sign the Open Badges credential of each frozen record; the files to embed."""
    if not records:
        return {}
    key = active_vc_signing_key()
    private_key = private_key_of(key)
    ids = [record.credential_id for record in records]
    with transaction.atomic():
        entries = {
            entry.credential_id: entry
            for entry in DigitalCredential.objects.select_related("status_list").filter(
                credential_id__in=ids
            )
        }
        entries |= entries_create([r.credential for r in records if r.credential_id not in entries])
    twins, pending = {}, _pending()
    pending.clear()  # an earlier group's leftovers (not issued) are of no use now
    for record in records:
        entry = entries[record.credential_id]
        signed = digital_credential_signed(entry, record, key=key, private_key=private_key)
        pending[record.credential_id] = (record.frozen_at, signed)
        twins[record.credential_id] = Attachment(
            name=twin_filename(record.number),
            data=json.dumps(signed, ensure_ascii=False, indent=2).encode("utf-8"),
            media_type=MEDIA_TYPE,
            description=DESCRIPTION,
        )
    return twins


def twins_store(changes, actor) -> None:
    """In the issuing transaction: keep, as the credential's digital credential, the one its
    issued document carries (if this process made it for the record now issued)."""
    pending = _pending()
    issued = {c.credential.pk: c.credential for c in changes if c.action == "issue"}
    made = {pk: pending.pop(pk) for pk in list(issued) if pk in pending}
    if not made:
        return
    frozen = dict(
        CredentialIssuance.objects.filter(credential_id__in=list(made)).values_list(
            "credential_id", "frozen_at"
        )
    )
    now = timezone.now()
    entries = DigitalCredential.objects.select_related("status_list").filter(
        credential_id__in=list(made)
    )
    stored, events = [], []
    for entry in entries:
        frozen_at, signed = made[entry.credential_id]
        if frozen.get(entry.credential_id) != frozen_at:
            continue  # another attempt's record: its document does not hold this credential
        entry.signed, entry.signed_at = signed, now
        stored.append(entry)
        credential = issued[entry.credential_id]
        events.append(
            digital_credential_event(credential, entry, number=credential.number, in_document=True)
        )
    DigitalCredential.objects.bulk_update(stored, ["signed", "signed_at"])
    event_record_many(events)


def embedded_credential(pdf_bytes) -> dict | None:
    """The Open Badges credential a PDF carries as `<number>-open-badge.json`, or None (not a
    PDF, no such file, not a JSON object). Never raises; reads nothing outside the bytes."""
    try:
        if not isinstance(pdf_bytes, (bytes, bytearray, memoryview)):
            return None
        if len(pdf_bytes) > MAX_PDF_BYTES or not bytes(pdf_bytes[:1024]).lstrip().startswith(
            b"%PDF-"
        ):
            return None
        with pikepdf.open(io.BytesIO(bytes(pdf_bytes))) as pdf:
            for name, spec in pdf.attachments.items():
                if not name.endswith(FILENAME_SUFFIX):
                    continue
                stream = spec.get_file()
                if int(stream.size or 0) > MAX_CREDENTIAL_BYTES:
                    return None
                data = stream.read_bytes()
                if len(data) > MAX_CREDENTIAL_BYTES:
                    return None
                credential = json.loads(data)
                return credential if isinstance(credential, dict) else None
    except Exception:  # any bytes at all: a damaged PDF is "no credential", not an error
        return None
    return None
