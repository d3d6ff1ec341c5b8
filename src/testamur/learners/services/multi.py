"""Disability types and prior educational achievements: several values per learner."""

from testamur.learners.models import Learner, PriorEducation, YesNo


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
