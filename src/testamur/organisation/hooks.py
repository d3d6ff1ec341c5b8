"""What the organisation's settings need to know from training, the layer above it.

Training registers its answers from its AppConfig.ready() (training/hooks.py), so this app never
imports it. Until then (or without training) there are no finished statuses, no achieved codes
and no outcomes recorded.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class TrainingFacts:
    # Course enrolment statuses other than Active, as (value, label) choices.
    finished_statuses: Callable[[], list[tuple[str, str]]]
    # Jurisdiction -> the outcome codes that count as achieved there.
    achieved_codes: Callable[[], dict[str, list[str]]]
    # Whether any unit outcome was recorded with another jurisdiction's code set.
    outcomes_recorded_outside: Callable[[str], bool]


_facts = TrainingFacts(
    finished_statuses=lambda: [],
    achieved_codes=lambda: {},
    outcomes_recorded_outside=lambda jurisdiction: False,
)


def training_facts_register(facts: TrainingFacts) -> None:
    global _facts
    _facts = facts


def training_facts() -> TrainingFacts:
    return _facts
