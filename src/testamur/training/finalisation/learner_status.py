"""The automatic rule that marks a learner inactive once every enrolment has finished.

The organisation settings name the enrolment statuses that count as finished; an empty list
turns the rule off. The rule only ever deactivates: making a learner active again is a
person's decision (the toggle on the learner record).
"""

from django.db.models import Count, Q

from testamur.learners.models import Learner
from testamur.learners.services import learner_set_active
from testamur.organisation.models import Organisation
from testamur.training.models import EnrolmentStatus

RULE_REASON = "Automatic rule: every enrolment is {statuses}."


def _rule_reason(statuses: list[str]) -> str:
    labels = [EnrolmentStatus(s).label for s in EnrolmentStatus.values if s in statuses]
    shown = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} or {labels[-1]}"
    return RULE_REASON.format(statuses=shown)


def learners_matching_inactive_rule(*, statuses: list[str], learner_ids=None):
    """Active learners with at least one enrolment, every one of them in `statuses`."""
    learners = Learner.objects.filter(is_active=True)
    if learner_ids is not None:
        learners = learners.filter(pk__in=list(learner_ids))
    return (
        learners.annotate(
            enrolment_count=Count("course_enrolments"),
            unfinished=Count(
                "course_enrolments", filter=~Q(course_enrolments__status__in=statuses)
            ),
        )
        .filter(enrolment_count__gt=0, unfinished=0)
        .order_by("pk")
    )


def learner_inactive_rule_apply(*, actor, learner_ids=None) -> list[Learner]:
    """Mark inactive every learner the rule covers (all learners, or only `learner_ids`).

    Runs inside the caller's transaction when there is one; each learner gets its own event.
    """
    statuses = [s for s in Organisation.load().learner_inactive_statuses if s]
    if not statuses:
        return []
    reason = _rule_reason(statuses)
    return [
        learner_set_active(
            learner=learner, actor=actor, is_active=False, reason=reason, by_rule=True
        )
        for learner in learners_matching_inactive_rule(statuses=statuses, learner_ids=learner_ids)
    ]
