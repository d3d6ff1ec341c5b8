"""Generation runs: Merge documents (preview), Regenerate and Issue, processed in the background.

A run is split into chunks; each chunk is one background task, so several workers share a
large run. Which worker holds a chunk, its heartbeat and the reclaiming of a chunk whose worker
stopped are run_chunks.py's. The worker that finishes the last chunk builds the combined print
PDF and the mail-merge spreadsheet. Every item is idempotent, so a chunk can be run again after
a crash.
"""

import logging
import time

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Count, F
from django.utils import timezone

from testamur.core.db import rows_update
from testamur.core.models import Event
from testamur.credentials import documents, lifecycle, run_chunks
from testamur.credentials.gates import evaluate_gates, skip_reasons
from testamur.credentials.issue_options import IssueOptions, issue_options_check
from testamur.credentials.issuing import ALREADY_ISSUED, credentials_issue
from testamur.credentials.models import (
    FINISHED_RUN_STATUSES,
    Credential,
    CredentialStatus,
    GenerationRun,
    RunItem,
    RunItemStatus,
    RunKind,
    RunStatus,
)
from testamur.credentials.services import (
    PERM_ISSUE,
    PERM_REQUEST,
    BulkOutcome,
    check_revision,
    require,
)
from testamur.credentials.states import IllegalTransition, can

logger = logging.getLogger(__name__)

CHUNK_SIZE = 25
NOTHING_SELECTED = "Select at least one credential."
NOTHING_ELIGIBLE = "No run started: none of the selected credentials can be {verb}."
RUN_VERBS = {
    RunKind.GENERATE: "generated",
    RunKind.PREVIEW: "merged",
    RunKind.REGENERATE: "regenerated",
    RunKind.ISSUE: "issued",
}
CANCELLED_NOT_GENERATED = "Cancelled credentials are not generated again."
ISSUED_USE_REPRINT = "Already issued: use Reprint for the stored document."
ISSUE_OPTIONS_MISSING = "An issue run needs its options (the issued date at least)."


def run_start(
    *,
    actor,
    kind: RunKind,
    credentials: list[Credential],
    options: IssueOptions | None = None,
    revisions: dict[int, int] | None = None,
) -> tuple[GenerationRun, BulkOutcome]:
    """Create a run for the chosen credentials and queue it. Ineligible ones are skipped, and
    kept in the run with their reason. `options` are an issue run's (and only its)."""
    require(actor, PERM_ISSUE if kind == RunKind.ISSUE else PERM_REQUEST)
    if not credentials:
        raise ValidationError(NOTHING_SELECTED)
    if kind == RunKind.ISSUE and options is None:
        raise TypeError(ISSUE_OPTIONS_MISSING)
    revisions = revisions or {}
    outcome = BulkOutcome(verb="queued")
    with transaction.atomic():
        locked = list(
            Credential.objects.select_for_update(of=("self",))
            .filter(pk__in=[c.pk for c in credentials])
            .select_related("learner", "course", "course_enrolment__offer__course")
            .order_by("learner__family_name", "learner__given_name", "id")
        )
        gates = evaluate_gates(locked) if kind == RunKind.ISSUE else {}
        reasons = {c.pk: _ineligible(kind, c, gates, revisions.get(c.pk)) for c in locked}
        if kind == RunKind.ISSUE:
            issuing = [c for c in locked if not reasons[c.pk]]
            options = issue_options_check(options, selected=locked, issuing=issuing)
        run = GenerationRun.objects.create(
            kind=kind, options=options.to_json() if options else {}, created_by=actor
        )
        items, skipped = [], []
        transitions = lifecycle.Transitions(actor)
        now = timezone.now()
        for credential in locked:
            reason = reasons[credential.pk]
            if reason:
                outcome.skipped.append((credential_label(credential), reason))
                # Kept in the run, so its page lists every credential skipped and why.
                skipped.append(
                    RunItem(
                        run=run,
                        credential=credential,
                        position=len(items) + len(skipped),
                        status=RunItemStatus.SKIPPED,
                        message=reason,
                        reasons=skip_reasons(reason),
                        finished_at=now,
                    )
                )
                continue
            if kind != RunKind.ISSUE and can("generate", credential.status):
                transitions.apply(credential, "generate", data={"run": run.pk})
            chunk = len(items) // CHUNK_SIZE
            items.append(
                RunItem(
                    run=run,
                    credential=credential,
                    position=len(items) + len(skipped),
                    chunk=chunk,
                )
            )
            outcome.done.append(credential)
        if not items:
            # Raising rolls the empty run back: nothing happened, so nothing is recorded. Each
            # credential's reason is its own message, listed rather than run together.
            raise ValidationError(
                [
                    NOTHING_ELIGIBLE.format(verb=RUN_VERBS[kind]),
                    *(f"{label}: {reason}" for label, reason in outcome.skipped),
                ]
            )
        transitions.commit()
        RunItem.objects.bulk_create(items + skipped)
        run.total = len(items) + len(skipped)
        run.skipped_count = len(skipped)
        run.chunks_total = (len(items) + CHUNK_SIZE - 1) // CHUNK_SIZE
        run.save()
        run_chunks.chunks_create(run, run.chunks_total)
        transaction.on_commit(lambda: _enqueue_chunks(run))
    return run, outcome


def credential_generate_now(*, actor, credential: Credential) -> Credential:
    """Generate one credential in this request: Preview of one not generated yet generates it
    first, then shows its draft. A one-credential Generate run, processed here; the queued
    task finds nothing left to do."""
    run, _ = run_start(actor=actor, kind=RunKind.GENERATE, credentials=[credential])
    run_process_chunk(run.pk, 0)
    return Credential.objects.get(pk=credential.pk)


def _ineligible(kind, credential, gates, revision) -> str | None:
    try:
        check_revision(credential, revision)
    except ValidationError as exc:
        return " ".join(exc.messages)
    if kind == RunKind.ISSUE:
        if credential.status == CredentialStatus.ISSUED:
            return ALREADY_ISSUED
        if not can("issue", credential.status):
            return str(IllegalTransition("issue", credential.status))
        result = gates[credential.pk]
        return result.skip_reason() if result.blockers else None
    if credential.status == CredentialStatus.CANCELLED:
        return CANCELLED_NOT_GENERATED
    if credential.status == CredentialStatus.ISSUED and kind != RunKind.PREVIEW:
        return ISSUED_USE_REPRINT
    if credential.status == CredentialStatus.GENERATING:
        return "Already being generated by another run."
    return None


def credential_label(credential: Credential) -> str:
    name = credential.learner.full_name
    return f"{name} ({credential.number})" if credential.number else name


def _enqueue_chunks(run: GenerationRun) -> None:
    from testamur.credentials.tasks import process_run_chunk

    for chunk in range(run.chunks_total):
        process_run_chunk.enqueue(run.pk, chunk)


# Credentials committed together: progress (and the heartbeat) moves in these steps. A whole
# chunk: each group costs a fixed number of statements, whatever its size.
GROUP = CHUNK_SIZE


def run_process_chunk(run_id: int, chunk: int) -> None:
    """Claim the chunk, process its items a group at a time, then close the run if it was the
    last. A chunk another worker holds (or has finished) is left to it."""
    run = GenerationRun.objects.get(pk=run_id)
    now = timezone.now()
    GenerationRun.objects.filter(pk=run_id, started_at__isnull=True).update(
        started_at=now, status=RunStatus.RUNNING, heartbeat_at=now
    )
    claim = run_chunks.chunk_claim(run_id, chunk, token=run_chunks.new_token())
    if claim is not None:
        try:
            with run_chunks.chunk_held(claim):
                items = claim.items
                # The claim takes every unfinished item, waiting for locks; trying again stays
                # only as a defence.
                for attempt in range(CLAIM_ATTEMPTS):
                    _process_items(run, items, claim)
                    items = _unfinished(run_id, chunk)
                    if not items:
                        break
                    time.sleep(CLAIM_RETRY_SECONDS * (attempt + 1))
                if items:
                    return  # left silent: reclaimed once its heartbeat is stale
                run_chunks.chunk_finish(claim)
        except run_chunks.ChunkLost:
            logger.warning("Run %s: chunk %s was reclaimed; leaving it", run_id, chunk)
            return
    _finish_chunk(run_id)


CLAIM_ATTEMPTS = 10
CLAIM_RETRY_SECONDS = 0.2


def _unfinished(run_id: int, chunk: int) -> list[RunItem]:
    return list(
        RunItem.objects.filter(run_id=run_id, chunk=chunk, status__in=UNFINISHED)
        .select_related(
            "credential__learner",
            "credential__template",
            "credential__course_enrolment__offer__course",
        )
        .order_by("position")
    )


def _process_items(run: GenerationRun, items: list[RunItem], claim) -> None:
    for start in range(0, len(items), GROUP):
        group = items[start : start + GROUP]
        try:
            if run.kind == RunKind.ISSUE:
                results = _issue_group(run, group)
            else:
                results = _generate_group(run, group)
        except (OperationalError, InterfaceError):
            # The database, not the credentials: the chunk is reclaimed and tried again.
            raise
        except Exception as exc:  # one group's failure must not stop the run
            logger.exception("Run %s: a group of %s credentials failed", run.pk, len(group))
            message = f"{type(exc).__name__}: {exc}"
            Credential.objects.filter(pk__in=[i.credential_id for i in group]).update(
                failure_message=message
            )
            results = {i.credential_id: (RunItemStatus.FAILED, message) for i in group}
        _record_results(run.pk, group, results, claim)


COUNTERS = {
    RunItemStatus.DONE: "done_count",
    RunItemStatus.FAILED: "failed_count",
    RunItemStatus.SKIPPED: "skipped_count",
}


def _record_results(run_id: int, items: list[RunItem], results, claim) -> None:
    now = timezone.now()
    tally = dict.fromkeys(COUNTERS.values(), 0)
    for item in items:
        item.status, item.message = results[item.credential_id]
        item.reasons = skip_reasons(item.message) if item.status == RunItemStatus.SKIPPED else []
        item.finished_at = now
        tally[COUNTERS[item.status]] += 1
    with transaction.atomic():
        run_chunks.chunk_heartbeat(claim)  # ChunkLost: reclaimed, so nothing is recorded
        rows_update(items, ["status", "message", "finished_at"])
        skipped = [item for item in items if item.reasons]
        if skipped:  # rare, and JSON: not for rows_update's grouping by value
            RunItem.objects.bulk_update(skipped, ["reasons"])
        GenerationRun.objects.filter(pk=run_id).update(
            heartbeat_at=now, **{name: F(name) + n for name, n in tally.items() if n}
        )


UNFINISHED = run_chunks.UNFINISHED


def _finish_chunk(run_id: int) -> None:
    """The worker that finds no unfinished item left (under the run's lock) builds the files."""
    with transaction.atomic():
        run = GenerationRun.objects.select_for_update().get(pk=run_id)
        if run.status in (RunStatus.FINALISING, *FINISHED_RUN_STATUSES):
            return
        if RunItem.objects.filter(run=run, status__in=UNFINISHED).exists():
            return
        run.status = RunStatus.FINALISING
        run.heartbeat_at = timezone.now()
        run.save(update_fields=["status", "heartbeat_at"])
    run_finalise(run_id)


def _generate_group(run: GenerationRun, items: list[RunItem]) -> dict:
    """Render drafts for a group, then record them all in one transaction."""
    results = {}
    to_render = []
    for item in items:
        credential = item.credential
        if credential.status == CredentialStatus.ISSUED and run.kind == RunKind.PREVIEW:
            results[credential.pk] = (RunItemStatus.DONE, "Stored issued document.")
        elif credential.status == CredentialStatus.GENERATED and credential.draft:
            results[credential.pk] = (RunItemStatus.DONE, "")  # done before a crash
        elif credential.status != CredentialStatus.GENERATING:
            results[credential.pk] = (
                RunItemStatus.SKIPPED,
                f"Now {credential.get_status_display()}.",
            )
        else:
            to_render.append(credential)
    batch = documents.DocumentBatch(to_render)
    rendered = {}
    for credential in to_render:
        try:
            rendered[credential.pk] = batch.render(credential, preview=True)
        except documents.RenderError as exc:
            rendered[credential.pk] = str(exc)
    with transaction.atomic():
        transitions = lifecycle.Transitions(run.created_by)
        stale_drafts = []
        for credential in Credential.objects.select_for_update().filter(pk__in=list(rendered)):
            outcome = rendered[credential.pk]
            if credential.status != CredentialStatus.GENERATING:
                results[credential.pk] = (
                    RunItemStatus.SKIPPED,
                    f"Now {credential.get_status_display()}.",
                )
                continue
            if isinstance(outcome, str):
                credential.failure_message = outcome
                transitions.apply(credential, "fail", reason=outcome)
                results[credential.pk] = (RunItemStatus.FAILED, outcome)
            else:
                pdf, version = outcome
                if credential.draft:
                    stale_drafts.append(credential.draft.name)
                name = f"{credential.pk}-draft-r{credential.revision}.pdf"
                credential.draft.save(name, ContentFile(pdf), save=False)
                credential.template_version = version
                credential.failure_message = ""
                transitions.apply(credential, "generated", data={"run": run.pk})
                results[credential.pk] = (RunItemStatus.DONE, "")
        transitions.commit(fields=["draft", "template_version", "failure_message"])
        if stale_drafts:
            storage = Credential._meta.get_field("draft").storage
            transaction.on_commit(lambda: [storage.delete(name) for name in stale_drafts])
    return results


def _issue_group(run: GenerationRun, items: list[RunItem]) -> dict:
    results = credentials_issue(
        actor=run.created_by,
        credentials=[item.credential for item in items],
        options=IssueOptions.from_json(run.options),
        run_id=run.pk,
    )
    # Issued by this very run before its worker stopped (after the issue, before the record):
    # done, not "already issued".
    already = [
        pk for pk, result in results.items() if result == (RunItemStatus.SKIPPED, ALREADY_ISSUED)
    ]
    if already:
        ours = Event.objects.filter(
            subject_type="credential",
            subject_id__in=[str(pk) for pk in already],
            action="issue",
            data__run=run.pk,
        ).values_list("subject_id", flat=True)
        for pk in ours:
            results[int(pk)] = (RunItemStatus.DONE, "")
    return results


def run_finalise(run_id: int) -> GenerationRun:
    """Build the run's files from its finished items and close it.

    The run's row stays locked while its files are built: a worker that dies here releases it,
    and a live one (run_chunks.runs_reclaim) finalises the run again.
    """
    with transaction.atomic():
        run = GenerationRun.objects.select_for_update().get(pk=run_id)
        if run.status != RunStatus.FINALISING:
            return run
        return _finalise(run)


def _finalise(run: GenerationRun) -> GenerationRun:
    run_id = run.pk
    done = (
        RunItem.objects.filter(run=run, status=RunItemStatus.DONE)
        .select_related(
            "credential__learner",
            "credential__course_enrolment__offer__course",
            "credential__course",
            "credential__issuance",
        )
        .order_by("position")
    )
    try:
        if run.kind == RunKind.ISSUE or run.kind == RunKind.PREVIEW:
            documents.build_combined_pdf(run, done)
        if run.kind == RunKind.ISSUE and IssueOptions.from_json(run.options).mail_merge:
            documents.build_mail_merge(run, done)
    except (OperationalError, InterfaceError):
        raise  # the database: the run stays Building files and is finalised again
    except Exception as exc:
        logger.exception("Run %s could not build its files", run_id)
        run.error = f"The combined files could not be built: {exc}"
    # Counted from the items themselves: they are the record, the counters only show progress.
    counts = dict(RunItem.objects.filter(run=run).values_list("status").annotate(n=Count("id")))
    run.done_count = counts.get(RunItemStatus.DONE, 0)
    run.failed_count = counts.get(RunItemStatus.FAILED, 0)
    run.skipped_count = counts.get(RunItemStatus.SKIPPED, 0)
    if run.error and not run.done_count:
        run.status = RunStatus.FAILED
    elif run.failed_count or run.error:
        run.status = RunStatus.COMPLETED_WITH_ERRORS
    else:
        run.status = RunStatus.COMPLETED
    run.finished_at = timezone.now()
    run.save(
        update_fields=[
            "status",
            "finished_at",
            "error",
            "combined_pdf",
            "mail_merge",
            "done_count",
            "failed_count",
            "skipped_count",
        ]
    )
    return run
