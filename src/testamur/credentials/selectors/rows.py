"""Register rows: what each user may do with each credential, and what a run would leave out."""

from dataclasses import dataclass

from testamur.credentials.gates import (
    GateResult,
    evaluate_gates,
    fix_label,
    fix_url,
)
from testamur.credentials.models import (
    Credential,
    CredentialStatus,
)
from testamur.credentials.selectors.register import IN_PROGRESS, PREVIEWABLE, STATUS_CLASS
from testamur.credentials.services import PERM_CANCEL, PERM_DELETE, PERM_ISSUE, PERM_REQUEST
from testamur.credentials.states import can


@dataclass
class CredentialRow:
    """One register row: the credential, its issue gates and what this user may do to it."""

    credential: Credential
    gate: GateResult | None
    actions: frozenset[str]

    @property
    def issuable(self) -> bool:
        return self.gate is not None and self.gate.ok

    @property
    def status_class(self) -> str:
        return STATUS_CLASS.get(self.credential.status, "")


def credential_actions(credential: Credential, user) -> frozenset[str]:
    """The row actions legal for the credential's status and allowed for the user's role."""
    status = credential.status
    actions = set()
    if user.has_perm(PERM_REQUEST):
        if status in PREVIEWABLE:
            actions.add("preview")
        if can("generate", status):
            actions.add("generate" if status == CredentialStatus.REQUESTED else "regenerate")
    if user.has_perm(PERM_ISSUE) and can("issue", status):
        actions.add("issue")
    if user.has_perm(PERM_CANCEL) and can("cancel", status):
        actions.add("cancel")
    if user.has_perm(PERM_DELETE) and credential.is_deletable:
        actions.add("delete")
    if status == CredentialStatus.ISSUED and credential.document:
        actions.add("reprint")
    if credential.is_reissuable and user.has_perm(PERM_CANCEL) and user.has_perm(PERM_REQUEST):
        actions.add("reissue")
    return frozenset(actions)


def credential_rows(credentials, user) -> list[CredentialRow]:
    """Rows for a page of credentials, gates evaluated for the whole page at once."""
    credentials = list(credentials)
    pending = [c for c in credentials if c.status in IN_PROGRESS]
    gates = evaluate_gates(pending) if pending else {}
    return [
        CredentialRow(
            credential=credential,
            gate=gates.get(credential.pk),
            actions=credential_actions(credential, user),
        )
        for credential in credentials
    ]


@dataclass
class LeftOut:
    """A selected credential that will not be issued (or requested), and each reason."""

    learner: str
    client_id: str
    credential: Credential | None
    label: str
    reasons: list[dict]


def left_out_rows(rows) -> list[LeftOut]:
    """The blocked rows of (credential, gate) pairs, each reason with the page that fixes it."""
    found = []
    for credential, gate in rows:
        if gate is None or gate.ok:
            continue
        reasons = [
            {
                "reason": str(blocker),
                "fix_url": fix_url(blocker.fix, credential),
                "fix_label": fix_label(blocker.fix),
            }
            for blocker in gate.blockers
        ]
        found.append(
            LeftOut(
                learner=credential.learner.full_name,
                client_id=credential.learner.client_id,
                credential=credential,
                label=credential.get_credential_type_display(),
                reasons=reasons,
            )
        )
    return found
