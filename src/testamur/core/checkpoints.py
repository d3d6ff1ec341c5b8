"""Signed checkpoints of the event log, kept outside the database (docs/decisions/0017).

A checkpoint states "the log held N events and the newest one's hash was H at time T", signed
with an Ed25519 key kept in a file on the application server (EVENT_LOG_KEY_FILE), never in
the database. Whoever can only write the database can rebuild the hash chain, but cannot sign a
checkpoint for the rebuilt one; checkpoints already written (files, the Owners' email) then
disagree with it. Each checkpoint is a small JSON file anyone can check with the public key.
"""

import contextlib
import json
import os
import re
import tempfile
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from hashlib import sha256
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.dispatch import Signal
from django.utils import timezone

from testamur.core.events import GENESIS, chain_walk
from testamur.core.models import Event, EventChainHead

FORMAT = "testamur-event-log-checkpoint/1"
FILE_PREFIX = "event-log-"

NOT_A_CHECKPOINT = "{name}: not a checkpoint file ({reason})."
BAD_SIGNATURE = (
    "{name}: its signature does not verify with the checkpoint key {key} (the file was "
    "changed, or signed with another key)."
)
REFUSED_HEAD = (
    "The event log's chain head does not match its newest event, so no checkpoint was signed. "
    "Run manage.py verify_event_log."
)
REFUSED_BROKEN = (
    "The event log is broken at event {event_id} ({problem}), so no checkpoint was signed. "
    "Run manage.py verify_event_log."
)
REFUSED_PREVIOUS = (
    "The event log no longer agrees with the previous checkpoint ({name}), so no checkpoint was "
    "signed. Run manage.py verify_event_log --checkpoints {directory}."
)

# Sent after a checkpoint is written (kwargs: checkpoint). Reports emails it to Owners.
checkpoint_written = Signal()


class CheckpointRefused(Exception):
    """The log as it stands must not be signed: signing would bless a tampered log."""


# --- The key -----------------------------------------------------------------------------------


def checkpoint_key(path: Path | None = None) -> Ed25519PrivateKey:
    """The signing key, made on first use: a file only this server's user can read (0600).

    Made under a temporary name and linked into place, so workers starting together agree on
    one key and nobody reads a half-written file.
    """
    path = Path(path or settings.EVENT_LOG_KEY_FILE)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".event-log-key-")
        try:
            os.fchmod(handle, 0o600)
            os.write(handle, pem)
            os.close(handle)
            # Another process may have made it first: then use theirs.
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


def public_key_hex(key: Ed25519PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        .hex()
    )


def key_id(public_key: str) -> str:
    """A short fingerprint of a public key, for people to compare (16 hex digits)."""
    try:
        return sha256(bytes.fromhex(public_key)).hexdigest()[:16]
    except ValueError:
        return "(not a key)"


# --- Checkpoints -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    events: int
    head_hash: str
    last_event_id: int | None
    at: datetime
    public_key: str
    signature: str = ""
    path: Path | None = field(default=None, compare=False)

    @property
    def name(self) -> str:
        return self.path.name if self.path else f"checkpoint of {self.at:%d/%m/%Y %H:%M}"

    @property
    def key_id(self) -> str:
        return key_id(self.public_key)

    def signed_fields(self) -> dict:
        return {
            "format": FORMAT,
            "events": self.events,
            "head_hash": self.head_hash,
            "last_event_id": self.last_event_id,
            "at": self.at.astimezone(UTC).isoformat(timespec="microseconds"),
            "public_key": self.public_key,
        }

    def message(self) -> bytes:
        """The bytes signed: the fields in canonical JSON (sorted keys, no spaces)."""
        return json.dumps(self.signed_fields(), sort_keys=True, separators=(",", ":")).encode()

    def to_json(self) -> str:
        return json.dumps({**self.signed_fields(), "signature": self.signature}, indent=2) + "\n"

    def signature_ok(self, trusted_keys: set[str]) -> bool:
        if self.public_key not in trusted_keys:
            return False
        try:
            public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(self.public_key))
            public.verify(bytes.fromhex(self.signature), self.message())
        except (ValueError, InvalidSignature):
            return False
        return True

    @classmethod
    def from_json(cls, text: str, path: Path | None = None) -> "Checkpoint":
        """Parse a checkpoint file; ValueError says why it is not one."""
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"its format is not {FORMAT}")
        try:
            at = datetime.fromisoformat(data["at"])
            checkpoint = cls(
                events=int(data["events"]),
                head_hash=str(data["head_hash"]),
                last_event_id=None if data["last_event_id"] is None else int(data["last_event_id"]),
                at=at,
                public_key=str(data["public_key"]),
                signature=str(data["signature"]),
                path=path,
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"{exc} is missing or wrong") from exc
        if at.tzinfo is None or checkpoint.events < 0:
            raise ValueError("its time or count is not valid")
        return checkpoint


def checkpoint_dir() -> Path:
    return Path(settings.EVENT_LOG_CHECKPOINT_DIR)


def trusted_keys(extra: list[str] | None = None) -> set[str]:
    """The public keys whose checkpoints count: this server's, and any an auditor names."""
    return {public_key_hex(checkpoint_key()), *(extra or [])}


def checkpoints_read(directory: Path, keys: set[str]) -> tuple[list[Checkpoint], list[str]]:
    """Every *.json checkpoint in `directory` with a signature from one of `keys`, oldest first,
    and a problem for each file that is not a checkpoint or whose signature does not verify."""
    found, problems = [], []
    for path in sorted(Path(directory).glob("*.json")):
        try:
            checkpoint = Checkpoint.from_json(path.read_text(encoding="utf-8"), path)
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            problems.append(NOT_A_CHECKPOINT.format(name=path.name, reason=exc))
            continue
        if not checkpoint.signature_ok(keys):
            problems.append(BAD_SIGNATURE.format(name=path.name, key=checkpoint.key_id))
            continue
        found.append(checkpoint)
    found.sort(key=lambda c: (c.events, c.at))
    return found, problems


def checkpoints_recent(directory: Path | None = None, *, limit: int = 1) -> list[Checkpoint]:
    """The newest checkpoints this server signed, newest first (file names sort by time)."""
    keys = trusted_keys()
    found = []
    for path in sorted(
        Path(directory or checkpoint_dir()).glob(f"{FILE_PREFIX}*.json"), reverse=True
    ):
        try:
            checkpoint = Checkpoint.from_json(path.read_text(encoding="utf-8"), path)
        except (OSError, UnicodeDecodeError, ValueError):
            continue
        if checkpoint.signature_ok(keys):
            found.append(checkpoint)
            if len(found) == limit:
                break
    return found


FILE_NAME = re.compile(r"event-log-\d{8}T\d{12}Z-\d+\.json")


def checkpoint_path(name: str) -> Path | None:
    """The checkpoint file of that name in the checkpoint directory, or None (any other name,
    such as one reaching outside the directory, is refused)."""
    if not FILE_NAME.fullmatch(name):
        return None
    path = checkpoint_dir() / name
    return path if path.is_file() else None


def checkpoint_latest(directory: Path | None = None) -> Checkpoint | None:
    """The newest checkpoint this server signed, or None."""
    return next(iter(checkpoints_recent(directory)), None)


def _extends(previous: Checkpoint, head: EventChainHead) -> tuple[str, int | None]:
    """Check the log from `previous` up to `head`: (problem or "", the newest event's id)."""
    refused = REFUSED_PREVIOUS.format(name=previous.name, directory=checkpoint_dir())
    if previous.events > head.count:
        return refused, None
    if previous.events == 0:
        return _walk_to_head(Event.objects.order_by("id"), GENESIS, 0, head)
    anchor = Event.objects.filter(id=previous.last_event_id).values_list("hash", flat=True)
    if list(anchor) != [previous.head_hash] or (
        Event.objects.filter(id__lte=previous.last_event_id).count() != previous.events
    ):
        return refused, None
    if previous.events == head.count:
        return (
            "" if previous.head_hash == head.last_hash else REFUSED_HEAD
        ), previous.last_event_id
    events = Event.objects.filter(id__gt=previous.last_event_id).order_by("id")
    return _walk_to_head(events, previous.head_hash, previous.events, head)


def _walk_to_head(events, prev_hash: str, start: int, head: EventChainHead):
    if start == head.count:
        return ("" if prev_hash == head.last_hash else REFUSED_HEAD), None
    for position, event, problem in chain_walk(events, prev_hash=prev_hash, position=start):
        if problem:
            return REFUSED_BROKEN.format(event_id=event.id, problem=problem), None
        if position == head.count:
            return ("" if event.hash == head.last_hash else REFUSED_HEAD), event.id
    return REFUSED_HEAD, None


def checkpoint_write(*, directory: Path | None = None) -> Checkpoint:
    """Sign the log as it stands and write the checkpoint file; tell the followers (email).

    Only a log that extends the previous checkpoint (or, for the first, a whole intact chain)
    is signed: CheckpointRefused otherwise. Appends go on meanwhile: the chain head is read
    once, and events after it are left for the next checkpoint.
    """
    directory = Path(directory or checkpoint_dir())
    key = checkpoint_key()
    public = public_key_hex(key)
    head = EventChainHead.objects.filter(id=1).first()
    if head is None:
        if Event.objects.exists():
            raise CheckpointRefused(REFUSED_HEAD)
        head = EventChainHead(id=1)
    earlier, _ = checkpoints_read(directory, {public})
    if earlier:
        problem, last_event_id = _extends(earlier[-1], head)
    else:
        problem, last_event_id = _walk_to_head(Event.objects.order_by("id"), GENESIS, 0, head)
    if problem:
        raise CheckpointRefused(problem)
    checkpoint = Checkpoint(
        events=head.count,
        head_hash=head.last_hash,
        last_event_id=last_event_id,
        at=timezone.now().astimezone(UTC),
        public_key=public,
    )
    checkpoint = replace(checkpoint, signature=key.sign(checkpoint.message()).hex())
    checkpoint = replace(checkpoint, path=_write_new(directory, checkpoint))
    checkpoint_written.send(sender=Checkpoint, checkpoint=checkpoint)
    return checkpoint


def _write_new(directory: Path, checkpoint: Checkpoint) -> Path:
    """Write the file under a name of its own (time and count); never overwrite one."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{FILE_PREFIX}{checkpoint.at:%Y%m%dT%H%M%S%fZ}-{checkpoint.events}.json"
    with open(path, "x", encoding="utf-8") as handle:
        handle.write(checkpoint.to_json())
    return path
