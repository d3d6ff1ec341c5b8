"""The one owner of the credential lifecycle (DESIGN.md rule 10).

Every status change of a credential, from every entry point (pages, API, runs, issuing,
imports, commands, re-issue, delete), goes through this module. It applies the transition
table (states.py), saves the credentials in batch, writes their events and then brings
everything that follows from a credential up to date, in the same transaction:

| Follower                         | Follows                          | Does                       |
|----------------------------------|----------------------------------|----------------------------|
| qualification enrolment status   | requested, generate, generated,  | status from its credentials|
|                                  | fail, issue, cancel, deleted     | (sync_status)              |
| course enrolment: qualification  | issue of a final-qualification   | flag, parchment number and |
| issued, parchment, issued date   | testamur of a qualification;     | date from the issuance     |
|                                  | its cancel                       | record; taken back         |
| registered by higher layers      | any (verification: cancel,       | revocation list (in the    |
| (follower_register)              | issue)                           | transaction); digital      |
|                                  |                                  | credential (after commit)  |

No view, router, run or import repeats these steps. Lower layers are called directly; higher
layers subscribe with follower_register() from their AppConfig.ready(), so this module never
imports them.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from testamur.core.db import rows_update
from testamur.core.events import EventRecord, event_record_many
from testamur.credentials.models import (
    Credential,
    CredentialIssuance,
    CredentialStatus,
    CredentialType,
)
from testamur.credentials.qualification_status import qualification_enrolment_sync_status
from testamur.credentials.states import target_state
from testamur.training.models import CourseEnrolment, EnrolmentStatus

# Created and deleted credentials are not transitions of the table, but their followers
# (the qualification enrolment's status) move all the same.
REQUESTED, DELETED = "requested", "deleted"
STATUS_FIELDS = ["status", "revision", "updated_by", "updated_at"]


@dataclass(frozen=True)
class Change:
    """One credential's change of status, as the followers see it."""

    credential: Credential
    action: str
    from_state: str
    to_state: str


Follower = Callable[[list[Change], object], None]
_followers: list[tuple[Follower, bool]] = []


def follower_register(follower: Follower, *, after_commit: bool = False) -> None:
    """Call `follower(changes, actor)` after every batch of changes.

    In the changing transaction (a failure rolls the change back), or with `after_commit`
    once it has committed (work that may fail on its own, such as signing with a key).
    """
    if (follower, after_commit) not in _followers:
        _followers.append((follower, after_commit))


class Transitions:
    """A batch of transitions: apply each in memory, then commit them all at once.

    The caller holds the credentials' row locks (select_for_update) in an open transaction.
    """

    def __init__(self, actor):
        self.actor = actor
        # One moment for the batch: rows that share their values share one UPDATE.
        self.now = timezone.now()
        self.credentials: list[Credential] = []
        self.events: list[EventRecord] = []
        self.changes: list[Change] = []

    def __bool__(self) -> bool:
        return bool(self.changes)

    def apply(
        self, credential: Credential, action: str, *, reason: str = "", data: dict | None = None
    ) -> None:
        """Move the credential to its next state in memory; IllegalTransition if it may not."""
        before = credential.status
        credential.status = target_state(action, before)
        credential.revision += 1
        credential.updated_by = self.actor if getattr(self.actor, "pk", None) else None
        credential.updated_at = self.now
        self.credentials.append(credential)
        self.changes.append(Change(credential, action, before, credential.status))
        self.events.append(
            EventRecord(
                actor=self.actor,
                subject_type="credential",
                subject_id=credential.pk,
                learner_id=credential.learner_id,
                action=action,
                from_state=before,
                to_state=credential.status,
                reason=reason,
                data={"number": credential.number, **(data or {})},
            )
        )

    def commit(self, *, fields: Iterable[str] = ()) -> None:
        """Save the status (and `fields`) of every credential, record the events, follow."""
        with transaction.atomic():
            rows_update(self.credentials, [*STATUS_FIELDS, *fields])
            event_record_many(self.events)
            _follow(self.changes, self.actor)


def credential_requested(credential: Credential, *, actor, reason: str, data: dict) -> None:
    """A new credential was saved as Requested: record it and follow."""
    with transaction.atomic():
        event_record_many(
            [
                EventRecord(
                    actor=actor,
                    subject_type="credential",
                    subject_id=credential.pk,
                    learner_id=credential.learner_id,
                    action=REQUESTED,
                    to_state=credential.status,
                    reason=reason,
                    data=data,
                )
            ]
        )
        _follow([Change(credential, REQUESTED, "", credential.status)], actor)


def credential_deleted(credential: Credential, *, actor) -> None:
    """Delete a locked credential still Requested (the caller checked): record it and follow."""
    with transaction.atomic():
        event_record_many(
            [
                EventRecord(
                    actor=actor,
                    subject_type="credential",
                    subject_id=credential.pk,
                    learner_id=credential.learner_id,
                    action=DELETED,
                    from_state=credential.status,
                    data={"template": credential.template.name},
                )
            ]
        )
        status = credential.status
        credential.delete()
        _follow([Change(credential, DELETED, status, "")], actor)


def _follow(changes: list[Change], actor) -> None:
    if not changes:
        return
    # Qualification enrolments follow their credentials' statuses.
    qualification_enrolment_sync_status(credentials=[c.credential for c in changes], actor=actor)
    _course_enrolments_follow(changes, actor)
    for follower, after_commit in _followers:
        if after_commit:
            transaction.on_commit(lambda f=follower: f(changes, actor))
        else:
            follower(changes, actor)


# Course enrolments: the qualification-issued flag, parchment number and issued date.


def final_qualification_applies(credential_type: str, course) -> bool:
    """Only a testamur of a qualification can be the learner's final qualification."""
    return credential_type == CredentialType.TESTAMUR and bool(course and course.is_qualification)


def qualification_course_enrolment(credential: Credential) -> CourseEnrolment | None:
    """The course enrolment a final-qualification testamur marks as qualification issued.

    From a course enrolment: that enrolment. From a qualification enrolment: the learner's
    course enrolment in an offer of that qualification; of several, the Completed one with
    the latest completion date, else the latest commenced (docs/decisions: issuance record).
    """
    if credential.course_enrolment_id:
        return credential.course_enrolment
    candidates = CourseEnrolment.objects.filter(
        learner_id=credential.learner_id, offer__course_id=credential.course_id
    )
    completed = (
        candidates.filter(status=EnrolmentStatus.COMPLETED)
        .order_by("-completion_date", "-pk")
        .first()
    )
    return completed or candidates.order_by("-commencement_date", "-pk").first()


def _course_enrolments_follow(changes: list[Change], actor) -> None:
    issued = [c.credential for c in changes if c.action == "issue"]
    withdrawn = [
        c.credential
        for c in changes
        if c.action == "cancel" and c.from_state == CredentialStatus.ISSUED
    ]
    if not (issued or withdrawn):
        return
    records = {
        r.credential_id: r
        for r in CredentialIssuance.objects.filter(
            credential_id__in=[c.pk for c in issued + withdrawn],
            qualification_enrolment_flagged__isnull=False,
        )
    }
    if not records:
        return
    enrolments = CourseEnrolment.objects.select_for_update().in_bulk(
        [r.qualification_enrolment_flagged_id for r in records.values()]
    )
    now = timezone.now()
    changed, events = [], []
    for credential in issued:
        record = records.get(credential.pk)
        if record is None:
            continue
        enrolment = enrolments[record.qualification_enrolment_flagged_id]
        enrolment.qual_issued = True
        enrolment.parchment_number = record.number
        enrolment.issued_date = record.issued_on
        enrolment.updated_at = now
        changed.append(enrolment)
        events.append(
            EventRecord(
                actor=actor,
                subject_type="course_enrolment",
                subject_id=enrolment.pk,
                learner_id=enrolment.learner_id,
                action="qualification_issued",
                data={
                    "parchment_number": record.number,
                    "issued_date": record.issued_on.isoformat(),
                },
            )
        )
    for credential in withdrawn:
        record = records.get(credential.pk)
        if record is None:
            continue
        enrolment = enrolments[record.qualification_enrolment_flagged_id]
        # A later parchment (a replacement already issued) is not this credential's to undo.
        if enrolment.parchment_number != record.number:
            continue
        enrolment.qual_issued = False
        enrolment.parchment_number = ""
        enrolment.issued_date = None
        enrolment.updated_at = now
        changed.append(enrolment)
        events.append(
            EventRecord(
                actor=actor,
                subject_type="course_enrolment",
                subject_id=enrolment.pk,
                learner_id=enrolment.learner_id,
                action="qualification_issue_withdrawn",
                reason=f"Credential {record.number} cancelled",
            )
        )
    rows_update(changed, ["qual_issued", "parchment_number", "issued_date", "updated_at"])
    event_record_many(events)
