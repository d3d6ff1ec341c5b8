"""What the import commands print: the summary, or every problem kept."""

from django.core.management.base import CommandError

from testamur.accounts.models import User
from testamur.interchange.models import ImportJob, ImportStatus


def actor_for(username: str | None):
    if not username:
        return None
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"No active user {username}.")
    return user


def report(command, job: ImportJob) -> None:
    """Print how the import ended; fail (exit status 1) unless it checked or imported cleanly."""
    for label, counts in job.summary.items():
        verb = "" if job.status == ImportStatus.IMPORTED else " (dry run: nothing changed)"
        command.stdout.write(
            f"{label}: {counts['created']} added, {counts['updated']} updated, "
            f"{counts['unchanged']} unchanged{verb}"
        )
    for problem in job.errors:
        where = []
        if problem["file"]:
            where.append(problem["file"])
        if problem["row"]:
            where.append(f"{'line' if problem['file'] else 'row'} {problem['row']}")
        if problem["column"]:
            where.append(problem["column"])
        prefix = ", ".join(where)
        command.stderr.write(f"{prefix}: {problem['message']}" if prefix else problem["message"])
    if job.errors_not_shown:
        command.stderr.write(f"… and {job.errors_not_shown} more problems.")
    if job.status in (ImportStatus.INVALID, ImportStatus.FAILED):
        raise CommandError(job.message or f"{job.error_count} problems found; nothing imported.")
    command.stdout.write(command.style.SUCCESS(f"Import {job.pk}: {job.get_status_display()}."))
