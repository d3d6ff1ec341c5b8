"""Reads for the learner pages: the searchable list, a learner's enrolments and history."""

import re
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q, QuerySet

from testamur.core.models import Event
from testamur.learners.models import Learner, UsiStatus, usi_not_cleared

# Filter value meaning "has no verified USI": not supplied or supplied but not verified.
UNVERIFIED = "unverified"

CLIENT_ID_PREFIX = "L"
CLIENT_ID_DIGITS = 6
_GENERATED_CLIENT_ID = re.compile(rf"^{CLIENT_ID_PREFIX}\d{{{CLIENT_ID_DIGITS}}}$")


def learner_list(
    *,
    q: str = "",
    active: bool | None = None,
    usi_status: str = "",
    privacy: bool | None = None,
) -> QuerySet[Learner]:
    """Learners matching a search and filters, in name order.

    The search matches every word against the name parts (so "given family" works), or the
    whole text against the learner ID, email, or the USI (exactly, ignoring case).
    """
    learners = Learner.objects.all()
    q = q.strip()
    if q:
        words = q.replace(",", " ").split()
        names = Q()
        for word in words:
            names &= (
                Q(given_name__icontains=word)
                | Q(middle_names__icontains=word)
                | Q(family_name__icontains=word)
                | Q(preferred_name__icontains=word)
            )
        learners = learners.filter(
            names
            | Q(client_id__icontains=q)
            | Q(email__icontains=q)
            | Q(usi__iexact=q.replace(" ", ""))
        )
    if active is not None:
        learners = learners.filter(is_active=active)
    if usi_status == UNVERIFIED:
        learners = learners.filter(usi_not_cleared())
    elif usi_status:
        learners = learners.filter(usi_status=usi_status)
    if privacy is not None:
        learners = learners.filter(privacy_flag=privacy)
    return learners


def learner_next_client_id() -> str:
    """The next generated learner ID (L000001, L000002, …) after the highest one in use.

    Generated IDs have a fixed width, so the highest sorts last as text too.
    """
    prefix = CLIENT_ID_PREFIX
    highest = (
        Learner.objects.filter(client_id__startswith=prefix)
        .filter(client_id__regex=_GENERATED_CLIENT_ID.pattern)
        .order_by("-client_id")
        .values_list("client_id", flat=True)
        .first()
    )
    number = int(highest[len(prefix) :]) + 1 if highest else 1
    return f"{prefix}{number:0{CLIENT_ID_DIGITS}d}"


def learner_enrolments(*, learner: Learner):
    return learner.course_enrolments.select_related("offer__course").order_by(
        "-offer__start_date", "-id"
    )


def learner_events(*, learner: Learner) -> QuerySet[Event]:
    """Everything that happened to the learner or their records, newest first."""
    return Event.objects.filter(learner_id=learner.pk).order_by("-at", "-id")


@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    who: str
    subject: str
    action: str
    from_state: str
    to_state: str
    reason: str
    changes: list[str]


def _state_label(value: str) -> str:
    if value in UsiStatus.values:
        return UsiStatus(value).label
    return value.replace("_", " ").capitalize()


def _field_label(subject_type: str, name: str) -> str:
    if subject_type == "learner":
        try:
            return str(Learner._meta.get_field(name).verbose_name).capitalize()
        except FieldDoesNotExist:
            pass
    return name.replace("_", " ").capitalize()


# Event subjects named as people say them; a unit enrolment's event names its unit.
SUBJECT_LABELS = {"courseenrolment": "Course enrolment", "unitenrolment": "Unit enrolment"}
# Event data kept for linking records, not for reading.
HIDDEN_DATA = {"course_enrolment"}
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def _value_text(value) -> str:
    if value in (None, ""):
        return "(blank)"
    text = str(value)
    iso = _ISO_DATE.match(text)
    return f"{iso[3]}/{iso[2]}/{iso[1]}" if iso else text


def _change_text(subject_type: str, name: str, value) -> str:
    label = _field_label(subject_type, name)
    if isinstance(value, list | tuple) and len(value) == 2:
        old, new = (_value_text(v) for v in value)
        return f"{label}: {old} → {new}"
    return f"{label}: {_value_text(value)}"


def _subject(event, data: dict) -> str:
    label = SUBJECT_LABELS.get(event.subject_type) or event.subject_type.replace("_", " ")
    if event.subject_type == "unitenrolment" and isinstance(data.get("unit"), str):
        return f"{label} {data['unit']}"
    return label.capitalize()


def history_rows(events) -> list[HistoryRow]:
    """Events as lines a person reads: labels instead of field names and status codes."""
    rows = []
    for event in events:
        data = event.data if isinstance(event.data, dict) else {}
        subject = _subject(event, data)
        shown = {
            k: v
            for k, v in data.items()
            if k not in HIDDEN_DATA and not (k == "unit" and subject.endswith(str(v)))
        }
        rows.append(
            HistoryRow(
                at=event.at,
                who=event.actor_name or "system",
                subject=subject,
                action=event.action.replace("_", " ").capitalize(),
                from_state=_state_label(event.from_state),
                to_state=_state_label(event.to_state),
                reason=event.reason,
                changes=[_change_text(event.subject_type, k, v) for k, v in shown.items()],
            )
        )
    return rows
