"""Writes of the API app: personal API tokens and Idempotency-Key records."""

# ruff: noqa: S105 - the "token" constants below are messages and a prefix, not secrets.

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from testamur.api.models import ApiToken, IdempotencyKey
from testamur.core.events import event_record

TOKEN_PREFIX = "tmr_"
TOKEN_NAME_REQUIRED = "Give the token a name that says what uses it."
TOKEN_NAME_TAKEN = "You already have an active token called {name}. Choose another name."
TOKEN_ALREADY_REVOKED = "This token was already revoked."
TOKEN_NOT_YOURS = "You can only revoke your own tokens."

# How long a retry with the same Idempotency-Key gets the first response back.
IDEMPOTENCY_KEY_LIFETIME = timedelta(hours=24)
# Writing "last used" on every request would make every read a write; once a minute is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """Make a token for `user`; return it and its secret, which is never stored or shown again."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": TOKEN_NAME_REQUIRED})
    if ApiToken.objects.filter(user=user, name=name, revoked_at__isnull=True).exists():
        raise ValidationError({"name": TOKEN_NAME_TAKEN.format(name=name)})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, prefix=raw[:12], key_hash=token_hash(raw))
    token.full_clean()
    try:
        with transaction.atomic():
            token.save()
    except IntegrityError as exc:
        raise ValidationError({"name": TOKEN_NAME_TAKEN.format(name=name)}) from exc
    event_record(
        actor=user,
        subject_type="api_token",
        subject_id=token.pk,
        action="created",
        data={"name": name, "prefix": token.prefix},
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor) -> ApiToken:
    """Stop a token working at once. It stays listed, marked revoked."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.user_id != actor.pk:
        raise ValidationError(TOKEN_NOT_YOURS)
    if token.revoked_at is not None:
        raise ValidationError(TOKEN_ALREADY_REVOKED)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    event_record(
        actor=actor,
        subject_type="api_token",
        subject_id=token.pk,
        action="revoked",
        data={"name": token.name, "prefix": token.prefix},
    )
    return token


def api_token_authenticate(raw: str):
    """The active staff member a token belongs to, or None (unknown, revoked, inactive user)."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=token_hash(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
    ).update(last_used_at=now)
    return token.user


@dataclass(frozen=True)
class IdempotencyClaim:
    """Either a new claim to complete with the response, or the stored record to answer with."""

    claimed: IdempotencyKey | None = None
    stored: IdempotencyKey | None = None


def idempotency_key_claim(*, user, key: str, endpoint: str, fingerprint: str) -> IdempotencyClaim:
    """Claim `key` for this request, or return the earlier request's record.

    Must run inside the caller's transaction (the one doing the work), so the claim only ever
    becomes visible together with the work and its response. A concurrent request with the same
    key waits on the unique constraint until this transaction ends.
    """
    now = timezone.now()
    for _ in range(2):
        record = IdempotencyKey(
            user=user,
            key=key,
            endpoint=endpoint,
            fingerprint=fingerprint,
            status_code=0,
            content_type="",
            created_at=now,
        )
        try:
            with transaction.atomic():
                record.save()
        except IntegrityError:
            stored = IdempotencyKey.objects.filter(user=user, endpoint=endpoint, key=key).first()
            if stored is None:
                continue
            if stored.created_at < now - IDEMPOTENCY_KEY_LIFETIME:
                stored.delete()
                continue
            return IdempotencyClaim(stored=stored)
        return IdempotencyClaim(claimed=record)
    raise IntegrityError("Idempotency key could not be claimed")


def idempotency_key_complete(
    *, record: IdempotencyKey, status_code: int, content_type: str, body: str
) -> IdempotencyKey:
    record.status_code = status_code
    record.content_type = content_type
    record.body = body
    record.save(update_fields=["status_code", "content_type", "body"])
    return record


def idempotency_keys_purge(*, now=None) -> int:
    """Delete records older than the lifetime; return how many."""
    cutoff = (now or timezone.now()) - IDEMPOTENCY_KEY_LIFETIME
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
