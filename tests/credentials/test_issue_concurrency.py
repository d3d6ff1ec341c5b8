"""Eight issuers at once over the same 200 credentials: no duplicate numbers, no double issue."""

import random
import threading

import pytest
from django.db import connection
from django.utils import timezone

from testamur.core.models import Event
from testamur.credentials.issue_options import IssueOptions
from testamur.credentials.issuing import DONE, credentials_issue
from testamur.credentials.models import Credential, CredentialStatus
from tests.credentials.helpers import completed_offer, generated, requested

ISSUERS = 8
CREDENTIALS = 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_issuers_never_duplicate_or_double_issue(
    rto_admin, django_capture_on_commit_callbacks
):
    enrolments = completed_offer(CREDENTIALS, units=2)
    credentials = generated(rto_admin, requested(enrolments), django_capture_on_commit_callbacks)
    ids = [c.pk for c in credentials]
    done_by = {}
    errors = []
    start = threading.Barrier(ISSUERS)

    def issuer(seed: int) -> None:
        order = ids[:]
        random.Random(seed).shuffle(order)
        try:
            start.wait()
            # Groups of ten, as run workers take them, in a different order for each issuer.
            for first in range(0, len(order), 10):
                results = credentials_issue(
                    actor=rto_admin,
                    credentials=[Credential(pk=pk) for pk in order[first : first + 10]],
                    options=IssueOptions(issued_on=timezone.localdate()),
                )
                for pk, (status, _) in results.items():
                    if status == DONE:
                        done_by.setdefault(pk, []).append(seed)
        except Exception as exc:  # surfaced below, with the thread that hit it
            errors.append((seed, repr(exc)))
        finally:
            connection.close()

    threads = [threading.Thread(target=issuer, args=(seed,)) for seed in range(ISSUERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    numbers = list(Credential.objects.values_list("number", flat=True))
    assert len(numbers) == CREDENTIALS
    assert len(set(numbers)) == CREDENTIALS, "duplicate credential numbers"
    assert Credential.objects.filter(status=CredentialStatus.ISSUED).count() == CREDENTIALS
    assert all(len(issuers) == 1 for issuers in done_by.values()), "a credential issued twice"
    assert len(done_by) == CREDENTIALS
    issue_events = Event.objects.filter(subject_type="credential", action="issue").count()
    assert issue_events == CREDENTIALS
    expected = {f"TM-{n:06d}" for n in range(1, CREDENTIALS + 1)}
    assert set(numbers) == expected, "numbers must run without gaps when nothing fails"
