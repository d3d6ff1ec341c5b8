"""Every write to a learner. Each runs in a transaction and records an event.

The services check the rules themselves (USI format, uniqueness, dates) so a person reads a
sentence rather than "Constraint … is violated"; the database still holds the rules it can.
The USI itself never goes into the event log: events only say that it changed.
"""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from testamur.core.events import EventRecord, event_record, event_record_many
from testamur.learners import models as code_models
from testamur.learners.addresses import address_parts
from testamur.learners.models import Learner, PriorEducation, UsiStatus, YesNo
from testamur.learners.selectors import learner_next_client_id
from testamur.learners.usi import usi_problem

# AVETMISS client details (NAT00080); blank is "not stated".
CLIENT_DETAIL_FIELDS = [
    "school_level",
    "school_level_year",
    "at_school",
    "indigenous_status",
    "language",
    "english_proficiency",
    "country_of_birth",
    "labour_force_status",
    "disability",
    "prior_education",
    "survey_contact_status",
]

LEARNER_FIELDS = [
    "client_id",
    "title",
    "given_name",
    "middle_names",
    "family_name",
    "preferred_name",
    "date_of_birth",
    "gender",
    "email",
    "phone",
    "address_building",
    "address_unit",
    "address_street_number",
    "address_street_name",
    "postal_delivery_box",
    "suburb",
    "state",
    "postcode",
    "usi",
    "usi_status",
    "usi_verified_on",
    "usi_evidence",
    "is_active",
    "privacy_flag",
    "special_requirements",
    *CLIENT_DETAIL_FIELDS,
]
# Several values each: disability types (DisabilityType rows) and prior educational
# achievements ((PriorEducationType, recognition) pairs). None leaves them as they are.
MULTI_FIELDS = ("disability_types", "prior_educations")
ENGLISH = "1201"
SIGN_LANGUAGES = ("9700", "9701", "9702", "9799")

EARLIEST_BIRTH_DATE = date(1900, 1, 1)

DOB_IN_FUTURE = "The date of birth cannot be in the future."
DOB_TOO_EARLY = "The date of birth cannot be before 01/01/1900."
VERIFIED_DATE_MISSING = "Enter the date the USI was verified."
VERIFIED_IN_FUTURE = "The USI verification date cannot be in the future."
CLIENT_ID_TAKEN = "Learner ID {client_id} already belongs to another learner."
USI_TAKEN = "This USI already belongs to learner {client_id} ({name})."
NO_USI_TO_VERIFY = "This learner has no USI to verify. Enter the USI on the Edit page first."
EVIDENCE_REQUIRED = "Say how the USI was verified, e.g. 'Checked with the USI Registry System'."
ALREADY_ACTIVE = "This learner is already active."
ENGLISH_NOT_ASKED = (
    "Proficiency in spoken English is only recorded when the main language at home is another "
    "language than English (and not a sign language); leave it blank."
)
SCHOOL_YEAR_WITHOUT_LEVEL = "Choose the highest school level completed before its year."
SCHOOL_YEAR_WRONG = (
    "The year the highest school level was completed must be between {low} and {high}."
)
DISABILITY_TYPES_BUT_NO = (
    "Disability types are recorded only for a learner with a disability; choose Yes, or clear "
    "the types."
)
PRIOR_EDUCATION_BUT_NO = (
    "Prior educational achievements are recorded only when the answer is Yes; choose Yes, or "
    "clear the achievements."
)
PRIOR_EDUCATION_TWICE = "{achievement} is listed twice."
NOT_IN_CODE_LIST = "'{code}' is not a code of the AVETMISS {list} list."
# Learner field → its code list (model, name as people read it)
CODE_FIELDS = {
    "school_level": (code_models.SchoolLevel, "highest school level"),
    "indigenous_status": (code_models.IndigenousStatus, "Indigenous status"),
    "language": (code_models.Language, "language"),
    "english_proficiency": (code_models.EnglishProficiency, "English proficiency"),
    "country_of_birth": (code_models.Country, "country"),
    "labour_force_status": (code_models.LabourForceStatus, "labour force status"),
}
ALREADY_INACTIVE = "This learner is already inactive."
PERM_SET_ACTIVE = "learners.set_active_learner"
SET_ACTIVE_NOT_ALLOWED = "Only an Owner or Admin marks a learner active or inactive."
USI_CLEARED_BY_DETAILS = (
    "Given name, family name or date of birth changed: the USI must be verified again."
)
# The registry verifies a USI against these details: a change undoes the verification.
VERIFIED_DETAILS = ("given_name", "family_name", "date_of_birth")

_CREATE_ATTEMPTS = 5


def _normalise(fields: dict) -> dict:
    unknown = set(fields) - set(LEARNER_FIELDS) - set(MULTI_FIELDS) - {"address_line"}
    if unknown:
        raise TypeError(f"Not learner fields: {sorted(unknown)}")
    fields = dict(fields)
    if "address_line" in fields:
        # One line (imports, the API) is split as AVETMISS splits it, unless parts are given.
        parts = address_parts(fields.pop("address_line") or "")
        if not any(fields.get(f"address_{name}") for name in parts):
            fields.update({f"address_{name}": value for name, value in parts.items()})
    for name in ("client_id", "usi"):
        if name in fields and isinstance(fields[name], str):
            fields[name] = fields[name].strip()
    if "usi" in fields and not fields["usi"]:
        fields["usi"] = None
    return fields


def learner_fields_from_codes(fields: dict) -> dict:
    """Fields whose client details are given as codes (the API), with the codes' entries.

    A code no list has is refused, naming the field; a blank code is "not stated".
    """
    fields, errors = dict(fields), {}

    def entry(model, code, name, list_name):
        found = model.objects.filter(pk=code).first()
        if found is None:
            errors[name] = NOT_IN_CODE_LIST.format(code=code, list=list_name)
        return found

    for name, (model, list_name) in CODE_FIELDS.items():
        if fields.get(name):
            fields[name] = entry(model, fields[name], name, list_name)
        elif name in fields:
            fields[name] = None
    if fields.get("disability_types") is not None:
        fields["disability_types"] = [
            entry(code_models.DisabilityType, code, "disability_types", "disability type")
            for code in fields["disability_types"]
        ]
    if fields.get("prior_educations") is not None:
        fields["prior_educations"] = [
            (
                entry(
                    code_models.PriorEducationType,
                    item["achievement"],
                    "prior_educations",
                    "prior educational achievement",
                ),
                item.get("recognition") or "",
            )
            for item in fields["prior_educations"]
        ]
    if errors:
        raise ValidationError(errors)
    return fields


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _rule_errors(learner: Learner, *, check_database: bool = True) -> dict[str, str]:
    """The rules the model cannot state as field validators, plus friendly uniqueness checks."""
    errors = {}
    today = timezone.localdate()
    if learner.date_of_birth:
        if learner.date_of_birth > today:
            errors["date_of_birth"] = DOB_IN_FUTURE
        elif learner.date_of_birth < EARLIEST_BIRTH_DATE:
            errors["date_of_birth"] = DOB_TOO_EARLY
    if learner.usi_verified_on and learner.usi_verified_on > today:
        errors["usi_verified_on"] = VERIFIED_IN_FUTURE
    if learner.usi:
        problem = usi_problem(learner.usi)
        if problem:
            errors["usi"] = problem
        elif check_database:
            other = Learner.objects.filter(usi=learner.usi).exclude(pk=learner.pk).first()
            if other:
                errors["usi"] = USI_TAKEN.format(client_id=other.client_id, name=other.full_name)
    if learner.client_id and check_database:
        taken = Learner.objects.filter(client_id=learner.client_id).exclude(pk=learner.pk)
        if taken.exists():
            errors["client_id"] = CLIENT_ID_TAKEN.format(client_id=learner.client_id)
    errors.update(_client_detail_errors(learner, today))
    return errors


def _client_detail_errors(learner: Learner, today: date) -> dict[str, str]:
    errors = {}
    language = learner.language_id
    if learner.english_proficiency_id and (
        not language or language == ENGLISH or language in SIGN_LANGUAGES
    ):
        errors["english_proficiency"] = ENGLISH_NOT_ASKED
    year = learner.school_level_year
    if year is not None:
        low = learner.date_of_birth.year if learner.date_of_birth else EARLIEST_BIRTH_DATE.year
        if not learner.school_level_id:
            errors["school_level_year"] = SCHOOL_YEAR_WITHOUT_LEVEL
        elif not low <= year <= today.year:
            errors["school_level_year"] = SCHOOL_YEAR_WRONG.format(low=low, high=today.year)
    types = getattr(learner, "new_disability_types", None)
    if types and learner.disability == YesNo.NO:
        errors["disability_types"] = DISABILITY_TYPES_BUT_NO
    achievements = getattr(learner, "new_prior_educations", None)
    if achievements and learner.prior_education == YesNo.NO:
        errors["prior_educations"] = PRIOR_EDUCATION_BUT_NO
    if achievements:
        seen = set()
        for achievement, _ in achievements:
            if achievement.pk in seen:
                errors["prior_educations"] = PRIOR_EDUCATION_TWICE.format(achievement=achievement)
            seen.add(achievement.pk)
    return errors


def _take_multi(learner: Learner, fields: dict) -> None:
    """Keep the multi-valued details on the learner until it is saved; answer Yes for them."""
    if "disability_types" in fields:
        types = list(fields.pop("disability_types") or [])
        learner.new_disability_types = types
        if types and not learner.disability:
            learner.disability = YesNo.YES
    if "prior_educations" in fields:
        achievements = [(a, r or "") for a, r in fields.pop("prior_educations") or []]
        learner.new_prior_educations = achievements
        if achievements and not learner.prior_education:
            learner.prior_education = YesNo.YES


def _settle_multi(learner: Learner, was: dict) -> None:
    """An answer changed from Yes to No or not stated drops its types or achievements."""
    for flag, name in (
        ("disability", "new_disability_types"),
        ("prior_education", "new_prior_educations"),
    ):
        answer_dropped = was[flag] == YesNo.YES and getattr(learner, flag) != YesNo.YES
        if answer_dropped and getattr(learner, name, None) is None:
            setattr(learner, name, [])


def disability_types_shown(types) -> str:
    return ", ".join(sorted(t.code for t in types))


def prior_educations_shown(achievements) -> str:
    return ", ".join(sorted(f"{a.code}{r}" for a, r in achievements))


def _multi_changes(learner: Learner) -> dict:
    """The multi-valued details about to be saved, as {field: [old, new]} when they differ."""
    changes = {}
    types = getattr(learner, "new_disability_types", None)
    if types is not None:
        old = disability_types_shown(learner.disability_types.all()) if learner.pk else ""
        if old != disability_types_shown(types):
            changes["disability_types"] = [old, disability_types_shown(types)]
        elif learner.pk:
            learner.new_disability_types = None
    achievements = getattr(learner, "new_prior_educations", None)
    if achievements is not None:
        old = ""
        if learner.pk:
            held = learner.prior_educations.select_related("achievement")
            old = prior_educations_shown((p.achievement, p.recognition) for p in held)
        if old != prior_educations_shown(achievements):
            changes["prior_educations"] = [old, prior_educations_shown(achievements)]
        elif learner.pk:
            learner.new_prior_educations = None
    return changes


def multi_save(learners: list[Learner]) -> None:
    """Write the disability types and prior achievements kept on saved learners, in bulk."""
    through = Learner.disability_types.through
    typed = [lr for lr in learners if getattr(lr, "new_disability_types", None) is not None]
    if typed:
        through.objects.filter(learner__in=[lr.pk for lr in typed]).delete()
        through.objects.bulk_create(
            through(learner_id=lr.pk, disabilitytype_id=t.pk)
            for lr in typed
            for t in lr.new_disability_types
        )
    schooled = [lr for lr in learners if getattr(lr, "new_prior_educations", None) is not None]
    if schooled:
        PriorEducation.objects.filter(learner__in=[lr.pk for lr in schooled]).delete()
        PriorEducation.objects.bulk_create(
            PriorEducation(learner_id=lr.pk, achievement=a, recognition=r)
            for lr in schooled
            for a, r in lr.new_prior_educations
        )
    for learner in learners:
        learner.new_disability_types = learner.new_prior_educations = None


def learner_problems(learner: Learner, *, check_database: bool = True) -> dict[str, list[str]]:
    """full_clean plus the rules above, all at once, one message per field; nothing is saved.

    Learner.clean() words the USI/status constraints for people, so the constraints themselves
    are left to the caller. Without `check_database` nothing is queried: bulk imports check
    uniqueness against the learner IDs and USIs they have loaded.
    """
    errors = _rule_errors(learner, check_database=check_database)
    exclude = list(errors) if check_database else [*errors, "usi_verified_by"]
    try:
        learner.full_clean(
            exclude=exclude, validate_unique=check_database, validate_constraints=False
        )
    except ValidationError as exc:
        found = exc.message_dict
    else:
        found = {}
    for field, message in errors.items():
        found.setdefault(field, []).append(message)
    return found


def _validate(learner: Learner) -> None:
    """Raise every problem at once; the constraints are checked (as a safety net) last."""
    found = learner_problems(learner)
    if found:
        raise ValidationError(found)
    learner.validate_constraints()


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


def _save(learner: Learner) -> None:
    """Save; if a concurrent write took the same learner ID or USI, say so like the checks do."""
    try:
        with transaction.atomic():
            learner.save()
    except IntegrityError as exc:
        errors = _rule_errors(learner)
        if not errors:
            raise
        raise ValidationError(errors) from exc


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


@transaction.atomic
def learners_save_many(
    *,
    actor,
    created: list[Learner],
    updated: list[tuple[Learner, dict, str]],
    reason: str = "",
    batch_size: int = 500,
) -> None:
    """Write learners already checked with learner_problems, in bulk, each with its event.

    `updated` holds (learner, changes from learner_apply, USI status before). For imports of
    thousands of rows, where saving one learner at a time would take minutes.
    """
    now = timezone.now()
    for learner in created:
        learner.created_at = learner.updated_at = now
    Learner.objects.bulk_create(created, batch_size=batch_size)
    fields = {"updated_at"}
    for learner, changes, _ in updated:
        learner.updated_at = now
        fields.update(name for name in changes if name not in MULTI_FIELDS)
        if "usi_status" in changes or "usi_verified_on" in changes:
            fields.add("usi_verified_by")
    if updated:
        Learner.objects.bulk_update(
            [learner for learner, _, _ in updated], sorted(fields), batch_size=batch_size
        )
    events = [
        EventRecord(
            actor=actor,
            subject_type="learner",
            subject_id=learner.pk,
            learner_id=learner.pk,
            action="created",
            to_state=learner.usi_status,
            reason=reason,
            data=learner_created_data(learner),
        )
        for learner in created
    ]
    for learner, changes, was_status in updated:
        event = _updated_event(learner, changes, was_status=was_status)
        event["reason"] = event["reason"] or reason
        events.append(EventRecord(actor=actor, **event))
    multi_save([*created, *(learner for learner, _, _ in updated)])
    event_record_many(events)


@transaction.atomic
def learner_usi_verify(*, learner: Learner, actor, verified_on: date, evidence: str) -> Learner:
    """Record that the learner's USI was verified with the USI Registrar: when and how."""
    learner = Learner.objects.select_for_update().get(pk=learner.pk)
    evidence = (evidence or "").strip()
    errors = {}
    if not learner.usi:
        errors["__all__"] = NO_USI_TO_VERIFY
    if verified_on is None:
        errors["usi_verified_on"] = VERIFIED_DATE_MISSING
    elif verified_on > timezone.localdate():
        errors["usi_verified_on"] = VERIFIED_IN_FUTURE
    if not evidence:
        errors["usi_evidence"] = EVIDENCE_REQUIRED
    if errors:
        raise ValidationError(errors)
    from_state = learner.usi_status
    learner.usi_status = UsiStatus.VERIFIED
    learner.usi_verified_on = verified_on
    learner.usi_evidence = evidence
    learner.usi_verified_by = actor if getattr(actor, "pk", None) else None
    _validate(learner)
    _save(learner)
    event_record(
        actor=actor,
        subject_type="learner",
        subject_id=learner.pk,
        learner_id=learner.pk,
        action="usi_verified",
        from_state=from_state,
        to_state=UsiStatus.VERIFIED,
        data={"usi_verified_on": verified_on.isoformat(), "usi_evidence": evidence},
    )
    return learner


@transaction.atomic
def learner_set_active(
    *, learner: Learner, actor, is_active: bool, reason: str = "", by_rule: bool = False
) -> Learner:
    """Mark a learner active or inactive. Nothing else about the learner changes.

    Only Owners and Admins decide this (PERM_SET_ACTIVE); the RTO's own inactive rule
    (`by_rule`, set up by the Owner) applies whoever finalised the enrolment.
    """
    if not by_rule and actor is not None and not actor.has_perm(PERM_SET_ACTIVE):
        raise PermissionDenied(SET_ACTIVE_NOT_ALLOWED)
    learner = Learner.objects.select_for_update().get(pk=learner.pk)
    if learner.is_active == is_active:
        raise ValidationError(ALREADY_ACTIVE if is_active else ALREADY_INACTIVE)
    learner.is_active = is_active
    learner.save(update_fields=["is_active", "updated_at"])
    event_record(
        actor=actor,
        subject_type="learner",
        subject_id=learner.pk,
        learner_id=learner.pk,
        action="reactivated" if is_active else "deactivated",
        from_state="inactive" if is_active else "active",
        to_state="active" if is_active else "inactive",
        reason=reason.strip(),
    )
    return learner
