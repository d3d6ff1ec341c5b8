"""One credential's page: its history, how it differs from what was issued, its runs and emails."""

from dataclasses import dataclass, field
from datetime import datetime

from testamur.core.models import Event
from testamur.credentials.models import (
    Credential,
    CredentialEmail,
    CredentialStatus,
    RunItem,
)
from testamur.credentials.rendering.context import strip_control_characters
from testamur.qualifications.selectors import credential_sources
from testamur.training.achievement import achieved_unit_enrolments

ACTION_LABELS = {
    "requested": "Requested",
    "generate": "Generation started",
    "generated": "Generated",
    "fail": "Failed to generate",
    "numbered": "Numbered",
    "issue": "Issued",
    "cancel": "Cancelled",
    "deleted": "Deleted",
    "emailed": "Emailed to the learner",
    "email_failed": "Email failed",
    "email_skipped": "Email not sent",
}


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    who: str
    what: str
    from_state: str
    to_state: str
    reason: str
    run_id: int | None
    notes: list[str] = field(default_factory=list)


def _state_label(value: str) -> str:
    return CredentialStatus(value).label if value in CredentialStatus.values else value


def credential_history(credential: Credential) -> list[HistoryLine]:
    """Who did what to the credential, oldest first (the append-only event log)."""
    events = Event.objects.filter(subject_type="credential", subject_id=str(credential.pk))
    lines = []
    for event in events.order_by("at", "id"):
        data = event.data if isinstance(event.data, dict) else {}
        notes = []
        if event.action == "numbered" and data.get("number"):
            notes.append(f"Credential number {data['number']}")
        if data.get("final_qualification"):
            notes.append("Final qualification")
        if data.get("replaces"):
            notes.append(f"Replaces {data['replaces']}")
        if data.get("to"):
            notes.append(f"To {data['to']}")
        lines.append(
            HistoryLine(
                at=event.at,
                who=event.actor_name or "system",
                what=ACTION_LABELS.get(event.action, event.action.replace("_", " ").capitalize()),
                from_state=_state_label(event.from_state),
                to_state=_state_label(event.to_state),
                reason=event.reason,
                run_id=data.get("run") if isinstance(data.get("run"), int) else None,
                notes=notes,
            )
        )
    return lines


@dataclass(frozen=True)
class IssuedDifference:
    """A fact of an issued credential that differs today from what its document says."""

    what: str
    as_issued: str
    now: str


NOT_ON_DOCUMENT = "not on the document"
NOT_ACHIEVED_NOW = "not achieved now"


def issuance_differences(credential: Credential) -> list[IssuedDifference]:
    """Where the learner's name or achieved units changed since the credential was issued.

    The document and its record never change (DESIGN.md rule 9): a correction is a re-issue.
    """
    record = credential.issued_record
    if record is None or credential.status != CredentialStatus.ISSUED:
        return []
    learner = credential.learner
    differences = [
        IssuedDifference(what, printed, now)
        for what, printed, now in [
            ("Learner's full name", record.learner_full_name, learner.full_name),
            ("Name shown publicly", record.learner_display_name, learner.display_name),
        ]
        if printed != strip_control_characters(now)
    ]
    if credential.qualification_enrolment_id:
        source = credential_sources([credential.qualification_enrolment_id])
        live = source[credential.qualification_enrolment_id].units
    else:
        live = [
            {"code": ue.unit.code, "outcome": ue.outcome.code}
            for ue in achieved_unit_enrolments([credential.course_enrolment_id])
        ]
    printed = {unit["code"]: unit["outcome"] for unit in record.units}
    now = {unit["code"]: unit["outcome"] for unit in live}
    for code in sorted(printed.keys() | now.keys()):
        if printed.get(code) != now.get(code):
            differences.append(
                IssuedDifference(
                    f"Unit {code}",
                    f"outcome {printed[code]}" if code in printed else NOT_ON_DOCUMENT,
                    f"outcome {now[code]}" if code in now else NOT_ACHIEVED_NOW,
                )
            )
    return differences


def correction_reason(differences: list[IssuedDifference]) -> str:
    """A cancellation reason that says what the re-issue corrects."""
    return "Corrected details: " + "; ".join(
        f"{d.what} {d.as_issued} → {d.now}" for d in differences
    )


def credential_run_items(credential: Credential, limit: int = 20) -> list[RunItem]:
    return list(
        credential.run_items.select_related("run", "run__created_by").order_by("-run_id")[:limit]
    )


def credential_emails(credential: Credential, limit: int = 50) -> list[CredentialEmail]:
    """The credential's emails to its learner, newest first."""
    return list(
        credential.emails.select_related("requested_by").order_by("-requested_at", "-id")[:limit]
    )
