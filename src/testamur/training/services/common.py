"""What every training service shares: validating, saving with a readable conflict message,
and recording the event."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from testamur.core.events import event_record


def _shown(value) -> str:
    if isinstance(value, models.Model):
        return str(value.pk)
    return "" if value is None else str(value)


def _model_update(*, instance: models.Model, fields: list[str], data: dict) -> dict:
    """Set the allowed fields present in `data`; return {field: [old, new]} for the event."""
    changes = {}
    for field in fields:
        if field not in data:
            continue
        old, new = getattr(instance, field), data[field]
        if old != new:
            changes[field] = [_shown(old), _shown(new)]
            setattr(instance, field, new)
    return changes


def _validate(instance: models.Model, errors: dict[str, str]) -> None:
    """full_clean plus the service's own checks, all reported at once.

    Fields the service already found wrong are left out of full_clean so each gets one message.
    """
    try:
        instance.full_clean(exclude=list(errors))
    except ValidationError as exc:
        found = exc.message_dict
    else:
        found = {}
    for field, message in errors.items():
        found.setdefault(field, []).append(message)
    if found:
        raise ValidationError(found)


def _save(instance: models.Model, *, on_conflict: dict[str, str]) -> None:
    """Save; if a concurrent write took the same unique value, report it like the check does."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise ValidationError(on_conflict) from exc


def _coded_save(instance: models.Model, *, taken: str, errors: dict[str, str]) -> None:
    """Validate and save a record whose code is unique (unit, course, location, offer)."""
    code = instance.code
    if type(instance).objects.filter(code=code).exclude(pk=instance.pk).exists():
        errors = {"code": taken.format(code=code), **errors}
    _validate(instance, errors)
    _save(instance, on_conflict={"code": taken.format(code=code)})


def _event(*, actor, subject: models.Model, action: str, learner_id=None, **kwargs) -> None:
    event_record(
        actor=actor,
        subject_type=subject._meta.model_name,
        subject_id=subject.pk,
        action=action,
        learner_id=learner_id,
        **kwargs,
    )


def _record_save(
    instance: models.Model, *, actor, action: str, changes: dict, taken: str, errors=None
):
    """Save a record with a unique code and no related rows, and record the event."""
    _coded_save(instance, taken=taken, errors=errors or {})
    _event(actor=actor, subject=instance, action=action, data=changes)
    return instance
