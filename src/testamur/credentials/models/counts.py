"""How many credentials are in each status, kept by the database as credentials change.

Rows are deltas, only ever inserted by triggers on the register (status_counts.py): a status's
count is the sum of its rows. Inserting never waits for another transaction (no hot row to
lock), so two workers issuing at once never queue on a counter; status_counts() folds the rows
back into one per status now and then.
"""

from django.db import models


class CredentialStatusCount(models.Model):
    status = models.CharField(max_length=20)
    n = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["status"], name="credential_count_status")]

    def __str__(self) -> str:
        return f"{self.status} {self.n:+d}"
