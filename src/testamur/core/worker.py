"""What a starting worker (`manage.py run_worker`) queues besides its own apps' work.

Higher layers register their daily schedules here from their AppConfig.ready(), so the command
(in credentials) never imports them. A schedule returns when its task will run, or None when
nothing was queued (already waiting, or a backend that cannot defer).
"""

from collections.abc import Callable
from datetime import datetime

Schedule = Callable[[], datetime | None]

_schedules: list[tuple[Schedule, str]] = []


def worker_schedule_register(schedule: Schedule, *, message: str) -> None:
    """`message` is formatted with `when` (the local time it will run) and printed at start."""
    if (schedule, message) not in _schedules:
        _schedules.append((schedule, message))


def worker_schedules() -> list[tuple[Schedule, str]]:
    return list(_schedules)
