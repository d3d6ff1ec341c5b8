"""Generation runs: the list, their items, problems and skipped credentials."""

from dataclasses import dataclass

from django.db.models import QuerySet

from testamur.credentials.gates import (
    fix_label,
    fix_url,
    skip_reasons,
)
from testamur.credentials.models import (
    FINISHED_RUN_STATUSES,
    Credential,
    GenerationRun,
    RunItem,
    RunItemStatus,
)
from testamur.credentials.selectors.register import credentials_base


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
