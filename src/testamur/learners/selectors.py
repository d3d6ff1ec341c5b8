"""Reads for the learner pages: the searchable list, a learner's enrolments and history."""

import re
from dataclasses import dataclass
from datetime import datetime

from django.apps import apps as django_apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q, QuerySet

from testamur.core.models import Event
from testamur.core.text import search_words
from testamur.learners.models import Learner, UsiStatus, usi_not_cleared

# Filter value meaning "has no verified USI": not supplied or supplied but not verified.
UNVERIFIED = "unverified"

CLIENT_ID_PREFIX = "L"
CLIENT_ID_DIGITS = 6
_GENERATED_CLIENT_ID = re.compile(rf"^{CLIENT_ID_PREFIX}\d{{{CLIENT_ID_DIGITS}}}$")


def name_search_q(search: str, *, prefix: str = "") -> Q:
    """Every word of `search` in the learner's name, ignoring accents, case, apostrophe style
    and hyphens: "Nga", "Obrien", "Muller" all find "Ngā O'Brien-Müller".

    `prefix` reaches the learner from another model ("learner__"). A search with no words
    matches nothing, so callers check for an empty search first.
    """
    words = search_words(search)
    if not words:
        return Q(pk__in=[])
    q = Q()
    for word in words:
        q &= Q(**{f"{prefix}search_name__contains": word})
    return q


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
        learners = learners.filter(
            name_search_q(q)
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


def learner_picker_choices(*, search: str, chosen: str = "", limit: int = 20) -> list[Learner]:
    """Learners to choose from in the learner picker: the one already chosen first, then those
    whose name matches every word, or whose learner ID or USI is the whole search."""
    found = []
    if chosen:
        found = list(Learner.objects.filter(client_id__iexact=chosen)[:1])
    search = search.strip()
    if search:
        matches = Learner.objects.filter(
            name_search_q(search)
            | Q(client_id__iexact=search)
            | Q(usi__iexact=search.replace(" ", ""))
        ).exclude(pk__in=[learner.pk for learner in found])
        found += list(matches.order_by("family_name", "given_name", "id")[:limit])
    return found


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


def _state_label(subject_type: str, value: str) -> str:
    if not value:
        return ""
    if value in UsiStatus.values:
        return UsiStatus(value).label
    status = _field(subject_type, "status")
    choices = {str(key): label for key, label in (getattr(status, "flatchoices", None) or ())}
    if value in choices:
        return str(choices[value])
    return value.replace("_", " ").capitalize()


def _subject_model(subject_type: str):
    """The model an event's subject is, looked up by name (no import of higher layers)."""
    if subject_type == "learner":
        return Learner
    for model in django_apps.get_models():
        if model._meta.model_name == subject_type:
            return model
    return None


def _field(subject_type: str, name: str):
    model = _subject_model(subject_type)
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _field_label(subject_type: str, name: str) -> str:
    field = _field(subject_type, name)
    if field is not None and getattr(field, "verbose_name", None):
        return str(field.verbose_name)[:1].upper() + str(field.verbose_name)[1:]
    return name.replace("_", " ").capitalize()


# Event subjects named as people say them; a unit enrolment's event names its unit.
SUBJECT_LABELS = {"courseenrolment": "Course enrolment", "unitenrolment": "Unit enrolment"}
# Event data kept for linking records, not for reading.
HIDDEN_DATA = {"course_enrolment"}
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_CODE = re.compile(r"^[a-z]+(?:_[a-z]+)+$")
_WORD = re.compile(r"^[a-z]+$")
_YES_NO = {True: "Yes", False: "No", "True": "Yes", "False": "No"}


def _value_text(value, field=None, codes: bool = False) -> str:
    """A recorded value as a person reads it: Yes/No, choice labels, DD/MM/YYYY dates."""
    if value in (None, ""):
        return "(blank)"
    if isinstance(value, bool) or value in ("True", "False"):
        return _YES_NO[value]
    text = str(value)
    choices = dict(getattr(field, "flatchoices", None) or ()) if field is not None else {}
    if text in {str(key) for key in choices}:
        return str(next(label for key, label in choices.items() if str(key) == text))
    iso = _ISO_DATE.match(text)
    if iso:
        return f"{iso[3]}/{iso[2]}/{iso[1]}"
    if _CODE.match(text) or (codes and _WORD.match(text)):
        return text.replace("_", " ").capitalize()
    return text


def _change_text(subject_type: str, name: str, value) -> str:
    label = _field_label(subject_type, name)
    field = _field(subject_type, name)
    if isinstance(value, list | tuple) and len(value) == 2:
        # "not_sent" → "sent": both are codes, so both read as words.
        codes = any(_CODE.match(str(v)) for v in value)
        old, new = (_value_text(v, field, codes) for v in value)
        return f"{label}: {old} → {new}"
    return f"{label}: {_value_text(value, field)}"


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
                from_state=_state_label(event.subject_type, event.from_state),
                to_state=_state_label(event.subject_type, event.to_state),
                reason=event.reason,
                changes=[_change_text(event.subject_type, k, v) for k, v in shown.items()],
            )
        )
    return rows
