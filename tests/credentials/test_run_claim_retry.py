"""A chunk whose items are locked when its task claims them is still processed: the claim waits
for the lock to go, so no run is left waiting on items nobody will take."""

import threading
import time

import pytest
from django.db import connection, connections

from testamur.credentials import runs
from testamur.credentials.models import CredentialStatus, RunItem, RunKind, RunStatus
from tests.credentials.helpers import completed_offer, requested


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_items_locked_at_claim_time_are_processed_once_the_lock_goes(rto_user, monkeypatch):
    monkeypatch.setattr(runs, "_enqueue_chunks", lambda run: None)  # the test runs the chunk
    credentials = requested(completed_offer(3))
    run, _ = runs.run_start(actor=rto_user, kind=RunKind.PREVIEW, credentials=credentials)
    locked, released = threading.Event(), threading.Event()

    def hold_the_items() -> None:
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("BEGIN")
                cursor.execute(
                    "SELECT id FROM credentials_runitem WHERE run_id = %s FOR UPDATE", [run.pk]
                )
                locked.set()
                time.sleep(0.6)
                cursor.execute("COMMIT")
                released.set()
        finally:
            other.close()

    holder = threading.Thread(target=hold_the_items)
    holder.start()
    assert locked.wait(10)
    runs.run_process_chunk(run.pk, 0)
    holder.join()

    assert released.is_set()
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED
    assert run.done_count == 3
    assert set(RunItem.objects.filter(run=run).values_list("status", flat=True)) == {"done"}
    statuses = {
        c.status for c in type(credentials[0]).objects.filter(pk__in=[c.pk for c in credentials])
    }
    assert statuses == {CredentialStatus.GENERATED}
    connection.close()
