"""Reads for the credential pages: the register (and its tabs), one credential, runs.

Every list loads a page of rows with a fixed number of queries, whatever its length. One module
per use case; every public name is re-exported here, so `selectors.X` works as it did, except
SEARCH_IDS_AT_MOST: it is read in selectors/register.py, so change it there.
"""

from testamur.credentials.selectors.credential import (
    ACTION_LABELS,
    NOT_ACHIEVED_NOW,
    NOT_ON_DOCUMENT,
    HistoryLine,
    IssuedDifference,
    correction_reason,
    credential_emails,
    credential_history,
    credential_run_items,
    issuance_differences,
)
from testamur.credentials.selectors.register import (
    IN_PROGRESS,
    PREVIEWABLE,
    REGISTER_DATE_FIELDS,
    REGISTER_ORDER,
    STATUS_CLASS,
    RegisterFilter,
    credential_list,
    credentials_base,
    credentials_selected,
    issuing_officers,
    issuing_officers_in_use,
    register_filtered,
)
from testamur.credentials.selectors.rows import (
    CredentialRow,
    LeftOut,
    credential_actions,
    credential_rows,
    left_out_rows,
)
from testamur.credentials.selectors.runs import (
    SkippedItem,
    SkippedReason,
    run_credentials,
    run_items,
    run_list,
    run_problems,
    run_skipped,
    runs_in_progress,
)
from testamur.credentials.selectors.summaries import (
    credential_status_counts,
    enrolment_credential_summary,
    learners_unverified_waiting,
    learners_unverified_waiting_list,
)
from testamur.credentials.selectors.templates import (
    activation_sample,
    earned_credential_type,
    template_default,
    template_for_earned,
    template_list,
    template_versions,
    templates_available,
)

__all__ = [
    "ACTION_LABELS",
    "IN_PROGRESS",
    "NOT_ACHIEVED_NOW",
    "NOT_ON_DOCUMENT",
    "PREVIEWABLE",
    "REGISTER_DATE_FIELDS",
    "REGISTER_ORDER",
    "STATUS_CLASS",
    "CredentialRow",
    "HistoryLine",
    "IssuedDifference",
    "LeftOut",
    "RegisterFilter",
    "SkippedItem",
    "SkippedReason",
    "activation_sample",
    "correction_reason",
    "credential_actions",
    "credential_emails",
    "credential_history",
    "credential_list",
    "credential_rows",
    "credential_run_items",
    "credential_status_counts",
    "credentials_base",
    "credentials_selected",
    "earned_credential_type",
    "enrolment_credential_summary",
    "issuance_differences",
    "issuing_officers",
    "issuing_officers_in_use",
    "learners_unverified_waiting",
    "learners_unverified_waiting_list",
    "left_out_rows",
    "register_filtered",
    "run_credentials",
    "run_items",
    "run_list",
    "run_problems",
    "run_skipped",
    "runs_in_progress",
    "template_default",
    "template_for_earned",
    "template_list",
    "template_versions",
    "templates_available",
]
