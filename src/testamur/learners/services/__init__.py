"""Every write to a learner. Each runs in a transaction and records an event.

The services check the rules themselves (USI format, uniqueness, dates) so a person reads a
sentence rather than "Constraint … is violated"; the database still holds the rules it can.
The USI itself never goes into the event log: events only say that it changed.

One module per use case: `records` (add, edit), `bulk` (imports), `usi_verification`,
`active`, `email_consent`; `fields`, `checks` and `multi` hold what they share. The names
are re-exported here.
"""

from testamur.learners.services.active import (
    ALREADY_ACTIVE,
    ALREADY_INACTIVE,
    PERM_SET_ACTIVE,
    SET_ACTIVE_NOT_ALLOWED,
    learner_set_active,
)
from testamur.learners.services.bulk import learners_save_many
from testamur.learners.services.checks import (
    CLIENT_ID_TAKEN,
    DISABILITY_TYPES_BUT_NO,
    DOB_IN_FUTURE,
    DOB_TOO_EARLY,
    EARLIEST_BIRTH_DATE,
    ENGLISH,
    ENGLISH_NOT_ASKED,
    PRIOR_EDUCATION_BUT_NO,
    PRIOR_EDUCATION_TWICE,
    SCHOOL_YEAR_WITHOUT_LEVEL,
    SCHOOL_YEAR_WRONG,
    SIGN_LANGUAGES,
    USI_TAKEN,
    VERIFIED_IN_FUTURE,
    learner_problems,
)
from testamur.learners.services.email_consent import UNKNOWN_SOURCE, learner_email_consent_set
from testamur.learners.services.fields import (
    CLIENT_DETAIL_FIELDS,
    CODE_FIELDS,
    LEARNER_FIELDS,
    MULTI_FIELDS,
    NOT_IN_CODE_LIST,
    learner_fields_from_codes,
)
from testamur.learners.services.multi import (
    disability_types_shown,
    multi_save,
    prior_educations_shown,
)
from testamur.learners.services.records import (
    USI_CLEARED_BY_DETAILS,
    VERIFIED_DETAILS,
    learner_apply,
    learner_create,
    learner_created_data,
    learner_new,
    learner_update,
)
from testamur.learners.services.usi_verification import (
    EVIDENCE_REQUIRED,
    NO_USI_TO_VERIFY,
    VERIFIED_DATE_MISSING,
    learner_usi_verify,
)

__all__ = [
    "ALREADY_ACTIVE",
    "ALREADY_INACTIVE",
    "CLIENT_DETAIL_FIELDS",
    "CLIENT_ID_TAKEN",
    "CODE_FIELDS",
    "DISABILITY_TYPES_BUT_NO",
    "DOB_IN_FUTURE",
    "DOB_TOO_EARLY",
    "EARLIEST_BIRTH_DATE",
    "ENGLISH",
    "ENGLISH_NOT_ASKED",
    "EVIDENCE_REQUIRED",
    "LEARNER_FIELDS",
    "MULTI_FIELDS",
    "NOT_IN_CODE_LIST",
    "NO_USI_TO_VERIFY",
    "PERM_SET_ACTIVE",
    "PRIOR_EDUCATION_BUT_NO",
    "PRIOR_EDUCATION_TWICE",
    "SCHOOL_YEAR_WITHOUT_LEVEL",
    "SCHOOL_YEAR_WRONG",
    "SET_ACTIVE_NOT_ALLOWED",
    "SIGN_LANGUAGES",
    "UNKNOWN_SOURCE",
    "USI_CLEARED_BY_DETAILS",
    "USI_TAKEN",
    "VERIFIED_DATE_MISSING",
    "VERIFIED_DETAILS",
    "VERIFIED_IN_FUTURE",
    "disability_types_shown",
    "learner_apply",
    "learner_create",
    "learner_created_data",
    "learner_email_consent_set",
    "learner_fields_from_codes",
    "learner_new",
    "learner_problems",
    "learner_set_active",
    "learner_update",
    "learner_usi_verify",
    "learners_save_many",
    "multi_save",
    "prior_educations_shown",
]
