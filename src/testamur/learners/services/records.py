"""Adding and editing one learner (and building learners for bulk saves)."""

from django.core.exceptions import ValidationError
from django.db import transaction

from testamur.core.events import event_record
from testamur.learners.models import Learner, UsiStatus
from testamur.learners.selectors import learner_next_client_id
from testamur.learners.services.checks import _save, _validate
from testamur.learners.services.fields import LEARNER_FIELDS, MULTI_FIELDS, _normalise, _shown
from testamur.learners.services.multi import (
    _multi_changes,
    _settle_multi,
    _take_multi,
    disability_types_shown,
    multi_save,
    prior_educations_shown,
)

USI_CLEARED_BY_DETAILS = (
    "Given name, family name or date of birth changed: the USI must be verified again."
)
# The registry verifies a USI against these details: a change undoes the verification.
VERIFIED_DETAILS = ("given_name", "family_name", "date_of_birth")

_CREATE_ATTEMPTS = 5


def _settle_verification(learner: Learner, *, actor, was: dict | None) -> None:
    """Verified-by follows whoever recorded the verification; it only describes a Verified USI."""
    if learner.usi_status != UsiStatus.VERIFIED:
        learner.usi_verified_on = None
        learner.usi_verified_by = None
        return
    unchanged = (
        was is not None
        and was["usi_status"] == UsiStatus.VERIFIED
        and was["usi_verified_on"] == learner.usi_verified_on
        and was["usi"] == learner.usi
    )
    if not unchanged:
        learner.usi_verified_by = actor if getattr(actor, "pk", None) else None


def learner_created_data(learner: Learner) -> dict:
    """A new learner's event data: every field given, the USI only as "recorded"."""
    data = {}
    for name in LEARNER_FIELDS:
        value = getattr(learner, name)
        if value in (None, "") or name == "usi":
            continue
        data[name] = _shown(value)
    if learner.usi:
        data["usi"] = "recorded"
    if getattr(learner, "new_disability_types", None):
        data["disability_types"] = disability_types_shown(learner.new_disability_types)
    if getattr(learner, "new_prior_educations", None):
        data["prior_educations"] = prior_educations_shown(learner.new_prior_educations)
    return data


@transaction.atomic
def learner_create(*, actor, **fields) -> Learner:
    """Add a learner. A blank learner ID gets the next free generated one (L000123)."""
    fields = _normalise(fields)
    multi = {name: fields.pop(name) for name in MULTI_FIELDS if name in fields}
    generate_id = not fields.get("client_id")
    for attempt in range(_CREATE_ATTEMPTS):
        learner = Learner(**fields)
        _take_multi(learner, dict(multi))
        if generate_id:
            learner.client_id = learner_next_client_id()
        _settle_verification(learner, actor=actor, was=None)
        try:
            _validate(learner)
            _save(learner)
        except ValidationError as exc:
            # Another request took the generated ID first: take the next one.
            taken_id = "client_id" in exc.message_dict and set(exc.message_dict) == {"client_id"}
            if generate_id and taken_id and attempt < _CREATE_ATTEMPTS - 1:
                continue
            raise
        break
    data = learner_created_data(learner)
    multi_save([learner])
    event_record(
        actor=actor,
        subject_type="learner",
        subject_id=learner.pk,
        learner_id=learner.pk,
        action="created",
        to_state=learner.usi_status,
        data=data,
    )
    return learner


@transaction.atomic
def learner_update(*, learner: Learner, actor, **fields) -> Learner:
    """Change a learner's details.

    A new USI needs verifying again: unless the same change also sets the status, the status
    goes back to Not verified (or Not supplied when the USI is cleared).
    """
    learner = Learner.objects.select_for_update().get(pk=learner.pk)
    was_status = learner.usi_status
    changes = learner_apply(learner=learner, actor=actor, fields=fields)
    _validate(learner)
    if not changes:
        return learner
    _save(learner)
    multi_save([learner])
    event_record(**_updated_event(learner, changes, was_status=was_status), actor=actor)
    return learner


def learner_apply(*, learner: Learner, actor, fields: dict) -> dict:
    """Set `fields` on a saved learner as an edit does; return the changes for the event.

    Nothing is validated or saved. A new USI needs verifying again: unless the same change
    also sets the status, the status goes back to Not verified (or Not supplied when cleared).
    """
    fields = _normalise(fields)
    was = {name: getattr(learner, name) for name in LEARNER_FIELDS}
    multi = {name: fields.pop(name) for name in MULTI_FIELDS if name in fields}
    for name, value in fields.items():
        setattr(learner, name, value)
    _take_multi(learner, multi)
    _settle_multi(learner, was)
    if learner.usi != was["usi"] and learner.usi_status == was["usi_status"]:
        learner.usi_status = UsiStatus.NOT_VERIFIED if learner.usi else UsiStatus.NOT_SUPPLIED
        learner.usi_evidence = ""
    details_changed = any(getattr(learner, name) != was[name] for name in VERIFIED_DETAILS)
    if details_changed and was["usi_status"] == learner.usi_status == UsiStatus.VERIFIED:
        learner.usi_status = UsiStatus.NOT_VERIFIED
        learner.usi_evidence = ""
    _settle_verification(learner, actor=actor, was=was)
    changes = {}
    for name in LEARNER_FIELDS:
        old, new = was[name], getattr(learner, name)
        if old == new:
            continue
        if name == "usi":
            changes["usi"] = "added" if not old else "removed" if not new else "changed"
        else:
            changes[name] = [_shown(old), _shown(new)]
    changes.update(_multi_changes(learner))
    return changes


def learner_new(*, actor, fields: dict) -> Learner:
    """An unsaved learner built as learner_create builds one (the learner ID must be given)."""
    fields = _normalise(fields)
    multi = {name: fields.pop(name) for name in MULTI_FIELDS if name in fields}
    learner = Learner(**fields)
    _take_multi(learner, multi)
    _settle_verification(learner, actor=actor, was=None)
    return learner


def _updated_event(learner: Learner, changes: dict, *, was_status: str) -> dict:
    status_changed = "usi_status" in changes
    cleared = (
        status_changed
        and changes["usi_status"] == [UsiStatus.VERIFIED, UsiStatus.NOT_VERIFIED]
        and "usi" not in changes
        and any(name in changes for name in VERIFIED_DETAILS)
    )
    return {
        "reason": USI_CLEARED_BY_DETAILS if cleared else "",
        "subject_type": "learner",
        "subject_id": learner.pk,
        "learner_id": learner.pk,
        "action": "updated",
        "from_state": was_status if status_changed else "",
        "to_state": learner.usi_status if status_changed else "",
        "data": changes,
    }
