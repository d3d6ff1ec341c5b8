from django.db import transaction

from testamur.core.models import NumberSequence


def number_take(*, name: str) -> int:
    """The next value of the named sequence. Committed at once: a value is never reused."""
    with transaction.atomic():
        NumberSequence.objects.get_or_create(name=name)
        sequence = NumberSequence.objects.select_for_update().get(name=name)
        sequence.last_value += 1
        sequence.save(update_fields=["last_value"])
        return sequence.last_value
