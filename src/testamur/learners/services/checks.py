"""The rules a learner must follow, checked all at once and worded for people."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from testamur.learners.models import Learner, YesNo
from testamur.learners.usi import usi_problem

ENGLISH = "1201"
SIGN_LANGUAGES = ("9700", "9701", "9702", "9799")

EARLIEST_BIRTH_DATE = date(1900, 1, 1)

DOB_IN_FUTURE = "The date of birth cannot be in the future."
DOB_TOO_EARLY = "The date of birth cannot be before 01/01/1900."
VERIFIED_IN_FUTURE = "The USI verification date cannot be in the future."
CLIENT_ID_TAKEN = "Learner ID {client_id} already belongs to another learner."
USI_TAKEN = "This USI already belongs to learner {client_id} ({name})."
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
