"""The credentials API's request and response shapes (the operations: routers/credentials.py)."""

from datetime import date, datetime

from ninja import Field, Schema

from testamur.api.common import (
    Filters,
    Id,
    Input,
    IsoDate,
    QueryId,
    Revision,
    Text,
    one_of,
)
from testamur.api.routers.refs import CourseRef, LearnerRef, OfferRef, UserRef
from testamur.credentials.models import (
    CredentialStatus,
    CredentialType,
)


class TemplateRef(Schema):
    id: int
    name: str


class CredentialRef(Schema):
    id: int
    number: str | None


class AsIssuedOut(Schema):
    """What the issued document says: its issuance record, never changed after issue."""

    number: str
    learner_name: str = Field(description="The learner's full name as printed.")
    learner_display_name: str = Field(description="The name shown on the public page.")
    course: str = Field(description="Course or qualification code and title as printed.")
    credential_date: date
    issued_on: date = Field(description="The date of issue printed on the document.")
    document_sha256: str = Field(description="SHA-256 of the signed PDF.")
    reconstructed: bool = Field(
        description="Rebuilt from later data for a credential issued before records existed."
    )

    @staticmethod
    def resolve_learner_name(record) -> str:
        return record.learner_full_name

    @staticmethod
    def resolve_learner_display_name(record) -> str:
        return record.learner_display_name

    @staticmethod
    def resolve_course(record) -> str:
        return record.course_label


class CredentialOut(Schema):
    id: int
    number: str | None = Field(description="Given when issued; never reused.")
    credential_type: one_of(CredentialType)
    credential_type_label: str
    status: one_of(CredentialStatus)
    status_label: str
    status_reason: str
    failure_message: str
    learner: LearnerRef
    course_enrolment: int | None
    qualification_enrolment: int | None
    course: CourseRef | None = Field(description="The course or qualification it is for.")
    offer: OfferRef | None
    template: TemplateRef
    credential_date: date
    issuing_officer: UserRef | None
    final_qualification: bool
    issued_on: date | None
    issued_at: datetime | None
    cancelled_at: datetime | None
    replaces: CredentialRef | None
    replaced_by: CredentialRef | None
    revision: int = Field(description="Send it back to refuse the change if the record moved on.")
    has_document: bool = Field(description="The signed PDF is stored (issued credentials).")
    has_draft: bool
    as_issued: AsIssuedOut | None = Field(
        description="What the issued document says; none until it is issued."
    )
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_credential_type_label(credential) -> str:
        return credential.get_credential_type_display()

    @staticmethod
    def resolve_status_label(credential) -> str:
        return credential.get_status_display()

    @staticmethod
    def resolve_course_enrolment(credential) -> int | None:
        return credential.course_enrolment_id

    @staticmethod
    def resolve_qualification_enrolment(credential) -> int | None:
        return credential.qualification_enrolment_id

    @staticmethod
    def resolve_course(credential):
        return credential.course

    @staticmethod
    def resolve_offer(credential):
        return credential.course_offer

    @staticmethod
    def resolve_replaced_by(credential):
        return credential.replacement

    @staticmethod
    def resolve_has_document(credential) -> bool:
        return bool(credential.document)

    @staticmethod
    def resolve_has_draft(credential) -> bool:
        return bool(credential.draft)

    @staticmethod
    def resolve_as_issued(credential):
        return credential.issued_record


class GateOut(Schema):
    ok: bool
    blockers: list[str]
    warnings: list[str]


class HistoryOut(Schema):
    at: datetime
    who: str
    what: str
    from_state: str
    to_state: str
    reason: str
    run_id: int | None
    notes: list[str]


class DifferenceOut(Schema):
    what: str
    as_issued: str
    now: str


class CredentialDetail(CredentialOut):
    actions: list[str] = Field(description="What your role may do to it now.")
    changed_since_issue: list[DifferenceOut] = Field(
        description="The learner's name or achieved units as they differ today from the issued "
        "document; correct them by re-issuing."
    )
    gate: GateOut | None = Field(description="Issue gates, while it is on its way to issue.")
    history: list[HistoryOut]


class Skipped(Schema):
    item: str
    reason: str


class BulkOut(Schema):
    done: list[CredentialOut]
    skipped: list[Skipped]
    summary: str


class TemplateOut(Schema):
    id: int
    name: str
    credential_type: one_of(CredentialType)
    description: str
    is_builtin: bool


class CredentialFilters(Filters):
    """The register's filters."""

    status: one_of(CredentialStatus, "") = ""
    q: Text = Field("", max_length=100, description="Learner name, learner ID or number.")
    course: QueryId | None = None
    offer: QueryId | None = None
    template: QueryId | None = None
    type: one_of(CredentialType, "") = ""
    date_from: IsoDate | None = Field(None, description="Credential date from.")
    date_to: IsoDate | None = Field(None, description="Credential date to.")
    officer: QueryId | None = Field(None, description="Issuing officer (user id).")
    learner: QueryId | None = None
    enrolment: QueryId | None = Field(None, description="Course enrolment id.")
    qualification_enrolment: QueryId | None = None


class RequestOptions(Input):
    template: Id | None = Field(None, description="Blank: the course's default template.")
    credential_date: IsoDate | None = Field(None, description="Blank: today.")
    issuing_officer: Id | None = Field(None, description="An Admin or Owner (user id).")
    status_reason: Text = Field("", max_length=500)


class CredentialRequest(RequestOptions):
    course_enrolment: Id


class CredentialRequestBulk(RequestOptions):
    offer: Id
    enrolments: list[Id] | None = Field(
        None, max_length=5000, description="Course enrolments of the offer; blank: all of them."
    )


class Cancellation(Input):
    reason: Text = Field(..., max_length=1000, description="Kept in the register for auditors.")
    revision: Revision | None = None


class CancellationBulk(Input):
    credentials: list[Id] = Field(..., min_length=1, max_length=5000)
    reason: Text = Field(..., max_length=1000)


class Reissue(Input):
    reason: Text = Field("", max_length=1000, description="Why (required unless cancelled).")
    credential_date: IsoDate | None = Field(None, description="Blank: today.")
    revision: Revision | None = None
