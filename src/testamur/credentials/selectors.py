"""Reads for the credential pages: the register (and its tabs), one credential, runs.

Every list loads a page of rows with a fixed number of queries, whatever its length.
"""

from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from testamur.accounts.models import User
from testamur.accounts.roles import Role
from testamur.core.models import Event
from testamur.credentials.gates import (
    GateResult,
    evaluate_gates,
    fix_label,
    fix_url,
    skip_reasons,
)
from testamur.credentials.models import (
    FINISHED_RUN_STATUSES,
    Credential,
    CredentialEmail,
    CredentialStatus,
    CredentialTemplate,
    CredentialTemplateVersion,
    CredentialType,
    GenerationRun,
    RunItem,
    RunItemStatus,
    TemplateVersionState,
)
from testamur.credentials.rendering.context import strip_control_characters
from testamur.credentials.services import PERM_CANCEL, PERM_DELETE, PERM_ISSUE, PERM_REQUEST
from testamur.credentials.states import can
from testamur.learners.models import Learner, usi_not_cleared
from testamur.learners.selectors import name_search_q
from testamur.qualifications.selectors import credential_sources
from testamur.training.achievement import achieved_unit_enrolments, enrolment_unit_counts
from testamur.training.models import Course, CourseEnrolment, CourseOffer

# Statuses whose issue gates matter: the credential is still on its way to being issued.
IN_PROGRESS = (
    CredentialStatus.REQUESTED,
    CredentialStatus.GENERATING,
    CredentialStatus.GENERATED,
    CredentialStatus.FAILED,
)
# A preview renders today's data; an issued or cancelled credential has its stored document.
PREVIEWABLE = IN_PROGRESS
# How each status is coloured (.status ok / warn / bad in app.css).
STATUS_CLASS = {
    CredentialStatus.GENERATED: "warn",
    CredentialStatus.ISSUED: "ok",
    CredentialStatus.CANCELLED: "bad",
    CredentialStatus.FAILED: "bad",
}


def credentials_base() -> QuerySet[Credential]:
    return Credential.objects.select_related(
        "learner",
        "template",
        "issuing_officer",
        "course",
        "course_enrolment__offer__course",
        "qualification_enrolment__qualification",
        "replaces",
        "replaced_by",
        "issuance",
    )


# The register's dates: which column a RegisterFilter's date_field reads.
REGISTER_DATE_FIELDS = {"credential_date": "credential_date", "issued_date": "issued_on"}


@dataclass(frozen=True)
class RegisterFilter:
    """The credential register's filter: one definition for the register page, the register
    reports and the API. Blank values leave the register unfiltered on that point."""

    status: str = ""
    search: str = ""
    credential_type: str = ""
    date_field: str = "credential_date"  # a key of REGISTER_DATE_FIELDS
    date_from: date | None = None
    date_to: date | None = None
    issuing_officer: User | None = None
    course: Course | None = None
    offer: CourseOffer | None = None
    template: CredentialTemplate | None = None
    learner: Learner | None = None
    enrolment: CourseEnrolment | None = None
    qualification_enrolment: object = None  # a QualificationEnrolment

    def narrowed(self) -> bool:
        """Whether any filter is set (a register with no match then says so)."""
        return any(getattr(self, item.name) != item.default for item in fields(RegisterFilter))


def register_filtered(
    credentials: QuerySet[Credential], filters: RegisterFilter
) -> QuerySet[Credential]:
    """`credentials` narrowed by the register filter (the one place it is applied)."""
    if filters.status:
        credentials = credentials.filter(status=filters.status)
    if filters.course:
        credentials = credentials.filter(course=filters.course)
    if filters.offer:
        credentials = credentials.filter(course_enrolment__offer=filters.offer)
    if filters.template:
        credentials = credentials.filter(template=filters.template)
    if filters.credential_type:
        credentials = credentials.filter(credential_type=filters.credential_type)
    column = REGISTER_DATE_FIELDS[filters.date_field]
    if filters.date_from:
        credentials = credentials.filter(**{f"{column}__gte": filters.date_from})
    if filters.date_to:
        credentials = credentials.filter(**{f"{column}__lte": filters.date_to})
    if filters.issuing_officer:
        credentials = credentials.filter(issuing_officer=filters.issuing_officer)
    if filters.learner:
        credentials = credentials.filter(learner=filters.learner)
    if filters.enrolment:
        credentials = credentials.filter(course_enrolment=filters.enrolment)
    if filters.qualification_enrolment:
        credentials = credentials.filter(qualification_enrolment=filters.qualification_enrolment)
    search = filters.search.strip()
    if search:
        # Few matches (a learner ID, a number, a full name): found through the indexes, then
        # the page is read by primary key. Many (a common surname): the register's own order
        # finds a page of them soonest, as a filter on each row.
        ids = {row["pk"] for row in _matching(search)[: SEARCH_IDS_AT_MOST + 1]}
        if len(ids) <= SEARCH_IDS_AT_MOST:
            credentials = credentials.filter(pk__in=ids)
        else:
            credentials = credentials.filter(
                name_search_q(search, prefix="learner__")
                | Q(learner__client_id__iexact=search)
                | Q(number__icontains=search)
            )
    return credentials


def credential_list(filters: RegisterFilter | None = None, **criteria) -> QuerySet[Credential]:
    """The register, newest first, narrowed by `filters` (or by RegisterFilter's fields given
    as keywords)."""
    filters = replace(filters or RegisterFilter(), **criteria)
    return register_filtered(credentials_base(), filters).order_by(*REGISTER_ORDER)


SEARCH_IDS_AT_MOST = 2000


def _matching(search: str) -> QuerySet[Credential]:
    """Ids (some perhaps twice) of the credentials whose learner's names hold every word of
    `search`, whose learner ID is `search`, or whose number contains it.

    One OR across the learner's and the credential's columns makes PostgreSQL read every
    credential; a UNION of one query per table lets each use its trigram (or B-tree) index
    (migrations learners 0009, credentials 0014): milliseconds at a million credentials."""
    learners = Learner.objects.filter(
        name_search_q(search) | Q(client_id__iexact=search)
    ).order_by()
    by_learner = Credential.objects.filter(learner__in=learners.values("pk"))
    by_number = Credential.objects.filter(number__icontains=search)
    by_learner, by_number = (q.order_by().values("pk") for q in (by_learner, by_number))
    return by_learner.union(by_number, all=True)  # ALL: a LIMIT stops it early


# Newest first. The register pages through this order by cursor (core/paging.py).
REGISTER_ORDER = ["-created_at", "-id"]


def credentials_selected(ids) -> list[Credential]:
    """The credentials among `ids` that still exist, in register order."""
    return list(credentials_base().filter(pk__in=list(ids)).order_by("-created_at", "-id"))


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


def templates_available() -> QuerySet[CredentialTemplate]:
    """Templates that can be chosen for a request: available, with an active version."""
    return (
        CredentialTemplate.objects.filter(
            is_available=True, versions__state=TemplateVersionState.ACTIVE
        )
        .distinct()
        .order_by("credential_type", "name")
    )


def template_list() -> QuerySet[CredentialTemplate]:
    """Every template with its active version's number and how many drafts wait."""
    active = CredentialTemplateVersion.objects.filter(
        template=OuterRef("pk"), state=TemplateVersionState.ACTIVE
    )
    return CredentialTemplate.objects.annotate(
        active_number=Subquery(active.values("number")[:1]),
        draft_count=Count("versions", filter=Q(versions__state=TemplateVersionState.DRAFT)),
    ).order_by("credential_type", "-is_builtin", "name")


def template_versions(template: CredentialTemplate) -> QuerySet[CredentialTemplateVersion]:
    """A template's versions, newest first, with their files and how many credentials used them."""
    return (
        template.versions.select_related("created_by")
        .annotate(
            asset_count=Count("assets", distinct=True),
            credential_count=Count("credentials", distinct=True),
        )
        .order_by("-number")
    )


def template_default(course: Course) -> CredentialTemplate | None:
    """The template a request starts with: a Testamur for a qualification, else a Statement."""
    wanted = (
        CredentialType.TESTAMUR
        if course.is_qualification
        else CredentialType.STATEMENT_OF_ATTAINMENT
    )
    available = templates_available()
    return available.filter(credential_type=wanted).first() or available.first()


def earned_credential_type(course: Course, enrolments) -> str:
    """What these enrolments earned: a Testamur when every one achieved every unit of a
    qualification, else a Statement of Attainment."""
    counts = enrolment_unit_counts({e.pk for e in enrolments})
    complete = bool(enrolments) and all(
        counts.get(e.pk, (0, 0))[1] and counts[e.pk][0] == counts[e.pk][1] for e in enrolments
    )
    if course.is_qualification and complete:
        return CredentialType.TESTAMUR
    return CredentialType.STATEMENT_OF_ATTAINMENT


def template_for_earned(course: Course, enrolments) -> CredentialTemplate | None:
    """The template a request starts with: the only one available, else the first of the type
    the enrolments earned (earned_credential_type)."""
    available = list(templates_available())
    if len(available) == 1:
        return available[0]
    wanted = earned_credential_type(course, enrolments)
    fitting = [t for t in available if t.credential_type == wanted]
    return fitting[0] if fitting else (available[0] if available else None)


def issuing_officers() -> QuerySet[User]:
    """Staff who may issue: active Admins and Owners."""
    return (
        User.objects.filter(is_active=True, groups__name__in=[Role.ADMIN.value, Role.OWNER.value])
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def issuing_officers_in_use() -> QuerySet[User]:
    """Everyone who is, or was, an issuing officer: the register filter's choices."""
    return (
        User.objects.filter(
            Q(groups__name__in=[Role.ADMIN.value, Role.OWNER.value])
            | Q(pk__in=Credential.objects.values("issuing_officer"))
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


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


def run_list() -> QuerySet[GenerationRun]:
    return GenerationRun.objects.select_related("created_by").order_by("-created_at", "-id")


def runs_in_progress(limit: int = 10) -> list[GenerationRun]:
    return list(run_list().exclude(status__in=FINISHED_RUN_STATUSES)[:limit])


def run_items(run: GenerationRun) -> QuerySet[RunItem]:
    return run.items.select_related(
        "credential__learner", "credential__course_enrolment__offer__course"
    ).order_by("position")


def run_problems(run: GenerationRun, limit: int = 20) -> list[RunItem]:
    """Items that failed or were skipped so far, for the live progress panel."""
    return list(
        run_items(run)
        .filter(status__in=[RunItemStatus.FAILED, RunItemStatus.SKIPPED])
        .order_by("position")[:limit]
    )


@dataclass
class SkippedReason:
    reason: str
    fix: str
    fix_label: str
    fix_url: str


@dataclass
class SkippedItem:
    """A credential a run skipped, with each reason and the page that puts it right."""

    item: RunItem
    reasons: list[SkippedReason]


def run_skipped(run: GenerationRun) -> list[SkippedItem]:
    """Every credential the run skipped (when it started or while it ran), in run order."""
    items = run_items(run).filter(status=RunItemStatus.SKIPPED)
    return [
        SkippedItem(
            item=item,
            reasons=[
                SkippedReason(
                    reason=entry["reason"],
                    fix=entry["fix"],
                    fix_label=fix_label(entry["fix"]),
                    fix_url=fix_url(entry["fix"], item.credential),
                )
                for entry in item.reasons or skip_reasons(item.message)
            ],
        )
        for item in items
    ]


def run_credentials(run: GenerationRun, *, done_only: bool = False) -> list[Credential]:
    items = run.items.all()
    if done_only:
        items = items.filter(status=RunItemStatus.DONE)
    return list(credentials_base().filter(pk__in=items.values("credential_id")))


def credential_status_counts() -> list[dict]:
    """How many credentials are in each status, every status listed (for the dashboard)."""
    counts = dict(
        Credential.objects.values_list("status").annotate(n=Count("id")).order_by("status")
    )
    return [
        {"status": status.value, "label": status.label, "count": counts.get(status.value, 0)}
        for status in CredentialStatus
    ]


def enrolment_credential_summary(*, enrolment: CourseEnrolment) -> str:
    """The enrolment's issued (else generated) credential in words; "" when it has neither."""
    credentials = Credential.objects.filter(
        course_enrolment=enrolment,
        status__in=[CredentialStatus.ISSUED, CredentialStatus.GENERATED],
    ).order_by("-created_at")
    best = sorted(credentials, key=lambda c: c.status != CredentialStatus.ISSUED)
    if not best:
        return ""
    credential = best[0]
    kind = credential.get_credential_type_display()
    if credential.status == CredentialStatus.ISSUED:
        return f"{kind} {credential.number} issued on {credential.issued_on:%d/%m/%Y}."
    return f"{kind} generated, awaiting issue."


def learners_unverified_waiting() -> QuerySet[Learner]:
    """Learners without a verified USI (or exemption) who have credentials on the way: their
    credentials cannot be issued until the USI is verified (rule 3)."""
    waiting = Credential.objects.filter(learner=OuterRef("pk"), status__in=IN_PROGRESS)
    return Learner.objects.filter(usi_not_cleared()).filter(Exists(waiting))


def learners_unverified_waiting_list(limit: int) -> list[Learner]:
    """The first of them by name, each with how many credentials wait (`waiting`)."""
    learners = list(
        learners_unverified_waiting().order_by("family_name", "given_name", "id")[:limit]
    )
    waiting = dict(
        Credential.objects.filter(learner__in=learners, status__in=IN_PROGRESS)
        .values_list("learner")
        .annotate(n=Count("id"))
        .order_by()
    )
    for learner in learners:
        learner.waiting = waiting.get(learner.pk, 0)
    return learners


def activation_sample(template: CredentialTemplate, *, limit: int) -> list[Credential]:
    """The newest credentials made from `template`, topped up with the newest of its type:
    real data a new version is rendered with before it is activated."""
    base = credentials_base().order_by("-pk")
    sample = list(base.filter(template=template)[:limit])
    if len(sample) < limit:
        sample += base.filter(credential_type=template.credential_type).exclude(template=template)[
            : limit - len(sample)
        ]
    return sample
