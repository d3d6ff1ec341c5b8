"""Verifying learners' USIs with the registry: one learner now, or many as a background job.

Each answer is kept as a `UsiVerification` and moves the learner's USI status in the same
transaction: Verified when the USI is valid and every detail matches, Not verified when the
registry says otherwise. A failure (registry down, credential expired, a refusal) is kept too,
with its message, and leaves the learner as it was. A job sends its learners in batches; a
batch's answers are written all at once or not at all, and a failure stops the job with every
learner not yet sent recorded as not sent, so nothing is half done and nothing hangs.

One module per use case: `single` (one learner now), `jobs` (bulk), `reverify`; `reading`
(what is sent, the pre-check) and `recording` (answers kept) are shared. Names are
re-exported here.
"""

from testamur.learners.usi_registry.services.jobs import (
    BATCH_SIZE,
    JOB_NOT_PREPARED,
    LEARNER_GONE,
    NO_LEARNERS,
    NOT_SENT,
    NOTHING_TO_SEND,
    RECOVERED,
    UNEXPECTED,
    usi_job_prepare,
    usi_job_run,
    usi_job_start,
    usi_jobs_recover,
)
from testamur.learners.usi_registry.services.reading import (
    ALREADY_REFUSED,
    ALREADY_VERIFIED,
    EXEMPT,
    NAME_LIMIT,
    NAME_TOO_LONG,
    NO_DATE_OF_BIRTH,
    NO_USI,
    latest_verifications,
    learner_person,
    precheck_reason,
    usi_registry_client,
)
from testamur.learners.usi_registry.services.recording import DETAILS_CHANGED
from testamur.learners.usi_registry.services.reverify import REVERIFY_SOURCE, usi_reverify_due
from testamur.learners.usi_registry.services.single import usi_verify_learner

__all__ = [
    "ALREADY_REFUSED",
    "ALREADY_VERIFIED",
    "BATCH_SIZE",
    "DETAILS_CHANGED",
    "EXEMPT",
    "JOB_NOT_PREPARED",
    "LEARNER_GONE",
    "NAME_LIMIT",
    "NAME_TOO_LONG",
    "NOTHING_TO_SEND",
    "NOT_SENT",
    "NO_DATE_OF_BIRTH",
    "NO_LEARNERS",
    "NO_USI",
    "RECOVERED",
    "REVERIFY_SOURCE",
    "UNEXPECTED",
    "latest_verifications",
    "learner_person",
    "precheck_reason",
    "usi_job_prepare",
    "usi_job_run",
    "usi_job_start",
    "usi_jobs_recover",
    "usi_registry_client",
    "usi_reverify_due",
    "usi_verify_learner",
]
