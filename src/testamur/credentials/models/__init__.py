"""Credentials, their templates and generation runs, one module per part.

Every model and public name is re-exported here, so `from testamur.credentials.models import X`
works as it did when this was one module; Django finds the models through these imports.
"""

from testamur.credentials.models.counts import CredentialStatusCount
from testamur.credentials.models.credential import (
    CANCEL_NEEDS_RECORD,
    CANCELLED_IS_FINAL,
    DELETE_REFUSED,
    GUARDED,
    ISSUED_FACT_CHANGED,
    ISSUED_FACTS,
    ISSUED_ONLY_CANCELLED,
    SET_ONCE,
    SET_ONCE_CHANGED,
    STATUS_RECORD,
    STATUS_RECORD_CHANGED,
    Credential,
    credential_change_refused,
    fact_value,
    new_verification_code,
)
from testamur.credentials.models.emails import (
    DEFAULT_EMAIL_BODY,
    DEFAULT_EMAIL_SUBJECT,
    CredentialEmail,
    CredentialEmailTemplate,
    EmailStatus,
)
from testamur.credentials.models.issuance import (
    CredentialIssuance,
    IssuanceFrozen,
    IssuanceQuerySet,
)
from testamur.credentials.models.runs import (
    FINISHED_RUN_STATUSES,
    GenerationRun,
    RunChunk,
    RunItem,
    RunItemStatus,
    RunKind,
    RunStatus,
    WorkerHeartbeat,
)
from testamur.credentials.models.templates import (
    CredentialStatus,
    CredentialTemplate,
    CredentialTemplateVersion,
    CredentialType,
    TemplateAsset,
    TemplateVersionState,
)

__all__ = [
    "CANCELLED_IS_FINAL",
    "CANCEL_NEEDS_RECORD",
    "DEFAULT_EMAIL_BODY",
    "DEFAULT_EMAIL_SUBJECT",
    "DELETE_REFUSED",
    "FINISHED_RUN_STATUSES",
    "GUARDED",
    "ISSUED_FACTS",
    "ISSUED_FACT_CHANGED",
    "ISSUED_ONLY_CANCELLED",
    "SET_ONCE",
    "SET_ONCE_CHANGED",
    "STATUS_RECORD",
    "STATUS_RECORD_CHANGED",
    "Credential",
    "CredentialEmail",
    "CredentialEmailTemplate",
    "CredentialIssuance",
    "CredentialStatus",
    "CredentialStatusCount",
    "CredentialTemplate",
    "CredentialTemplateVersion",
    "CredentialType",
    "EmailStatus",
    "GenerationRun",
    "IssuanceFrozen",
    "IssuanceQuerySet",
    "RunChunk",
    "RunItem",
    "RunItemStatus",
    "RunKind",
    "RunStatus",
    "TemplateAsset",
    "TemplateVersionState",
    "WorkerHeartbeat",
    "credential_change_refused",
    "fact_value",
    "new_verification_code",
]
