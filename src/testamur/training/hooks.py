"""Where training meets the layers around it without importing the ones above.

- Followers of unit outcomes: when outcomes change, the layers above (qualifications: the audit)
  follow in the same transaction. They subscribe with `outcomes_follower_register()` from their
  AppConfig.ready().
- The enrolment's credential in words, for the finalisation checklist: registered by credentials.
- The facts organisation's settings need from training (organisation/hooks.py), registered here.
"""

from collections.abc import Callable, Iterable

from testamur.organisation.hooks import TrainingFacts, training_facts_register

OutcomesFollower = Callable[..., object]

_outcomes_followers: list[OutcomesFollower] = []
_credential_summary: list[Callable[..., str]] = []


def outcomes_follower_register(follower: OutcomesFollower) -> None:
    """Call `follower(actor=..., learner_ids=...)` after unit outcomes of those learners change."""
    if follower not in _outcomes_followers:
        _outcomes_followers.append(follower)


def outcomes_changed(*, actor, learner_ids: Iterable[int]) -> None:
    learner_ids = set(learner_ids)
    for follower in _outcomes_followers:
        follower(actor=actor, learner_ids=learner_ids)


def enrolment_credential_summary_register(summary: Callable[..., str]) -> None:
    """`summary(enrolment=...)` describes the enrolment's generated or issued credential."""
    _credential_summary[:] = [summary]


def enrolment_credential_summary(*, enrolment) -> str:
    """The enrolment's credential in words; "" when it has none (or nothing says)."""
    return _credential_summary[0](enrolment=enrolment) if _credential_summary else ""


def _finished_statuses() -> list[tuple[str, str]]:
    from testamur.training.models import EnrolmentStatus

    return [(value, label) for value, label in EnrolmentStatus.choices if value != "active"]


def _achieved_codes() -> dict[str, list[str]]:
    from testamur.training.models import OutcomeCode

    codes: dict[str, list[str]] = {}
    for jurisdiction, code in OutcomeCode.objects.filter(is_achieved=True).values_list(
        "jurisdiction", "code"
    ):
        codes.setdefault(jurisdiction, []).append(code)
    return codes


def _outcomes_recorded_outside(jurisdiction: str) -> bool:
    from testamur.training.models import UnitEnrolment

    return UnitEnrolment.objects.exclude(outcome__jurisdiction=jurisdiction).exists()


def organisation_facts_register() -> None:
    training_facts_register(
        TrainingFacts(
            finished_statuses=_finished_statuses,
            achieved_codes=_achieved_codes,
            outcomes_recorded_outside=_outcomes_recorded_outside,
        )
    )
