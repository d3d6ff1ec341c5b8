from django.db import transaction

from testamur.core.models import NumberSequence


def number_take_many(*, name: str, count: int) -> range:
    """The next `count` values of the named sequence, taken under its row lock.

    Taken inside the caller's transaction: the values belong to whatever that transaction
    commits, and a value once committed is never handed out again.
    """
    with transaction.atomic():
        NumberSequence.objects.get_or_create(name=name)
        sequence = NumberSequence.objects.select_for_update().get(name=name)
        first = sequence.last_value + 1
        sequence.last_value += count
        sequence.save(update_fields=["last_value"])
    return range(first, first + count)
