"""The credential state machine: the only legal transitions, in one table.

Requested ──generate──▶ Generating ──generated──▶ Generated ──issue──▶ Issued
    │                      │  ▲                      │                  │
    │                      fail └──── regenerate ────┘                cancel
    │                      ▼                                            ▼
    │                    Failed ──regenerate──▶ Generating           Cancelled
    └──cancel / delete (Requested only)             (Generated and Failed may be cancelled too)

Issue renders and signs the document from the frozen issuance record, so it does not need a
draft: Requested, Generating and Failed credentials are issued too (ISSUABLE), generated and
signed in the issue run itself, as the reference product's "Issue commences generation".
"""

from testamur.credentials.models import CredentialStatus as S

ISSUABLE = frozenset({S.REQUESTED, S.GENERATING, S.GENERATED, S.FAILED})

TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "generate": (frozenset({S.REQUESTED, S.GENERATED, S.FAILED}), S.GENERATING),
    "generated": (frozenset({S.GENERATING}), S.GENERATED),
    "fail": (frozenset({S.GENERATING}), S.FAILED),
    "issue": (ISSUABLE, S.ISSUED),
    "cancel": (frozenset({S.REQUESTED, S.GENERATED, S.FAILED, S.ISSUED}), S.CANCELLED),
}


class IllegalTransition(Exception):
    def __init__(self, action: str, status: str):
        self.action = action
        self.status = status
        label = S(status).label
        super().__init__(f"A credential that is {label} cannot be {ACTION_WORDS[action]}.")


ACTION_WORDS = {
    "generate": "generated",
    "generated": "marked generated",
    "fail": "marked failed",
    "issue": "issued",
    "cancel": "cancelled",
}


def target_state(action: str, current: str) -> str:
    allowed, target = TRANSITIONS[action]
    if current not in allowed:
        raise IllegalTransition(action, current)
    return target


def can(action: str, current: str) -> bool:
    return current in TRANSITIONS[action][0]
