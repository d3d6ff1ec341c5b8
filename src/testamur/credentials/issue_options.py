"""What an issue is asked to do, typed once and shared by the wizard, the API and runs.

A run keeps its options as JSON (`to_json` / `from_json`). The date printed on an issued
document is the issued date recorded, so its rules are checked here, for pages and API alike:
not in the future, not before the enrolment commenced, and more than BACKDATE_DAYS back only
with a typed confirmation and a reason, both recorded with the run and each issue event.
"""

from dataclasses import dataclass, replace
from datetime import date

from django.core.exceptions import ValidationError

from testamur.credentials.models import Credential, CredentialType
from testamur.organisation.selectors import organisation_today
from testamur.qualifications.models import QualificationEnrolment
from testamur.qualifications.selectors import qualification_enrolments_commenced

BACKDATE_DAYS = 30
BACKDATE_WORD = "BACKDATE"
NAMES_SHOWN = 5

ISSUED_DATE_FUTURE = (
    "Issued date: {date} is in the future. A credential is issued on or before today ({today})."
)
ISSUED_BEFORE_COMMENCED = (
    "Issued date: {date} is before the enrolment commenced for {who}. A credential cannot be "
    "issued before its training began."
)
BACKDATE_CONFIRMATION_REQUIRED = (
    "Back-dating confirmation: the issued date {date} is {days} days ago, more than "
    f"{BACKDATE_DAYS}. Type {BACKDATE_WORD} to confirm the documents will carry that date."
)
BACKDATE_REASON_REQUIRED = (
    f"Back-dating reason: an issued date more than {BACKDATE_DAYS} days ago needs a reason; it "
    "is kept with the run and each credential's issue."
)
FINAL_QUALIFICATION_NOT_TESTAMUR = (
    "Final qualification: only a Testamur of a qualification completes a qualification, and "
    "{who} {verb} not. Issue with final qualification = No."
)


def _shown(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def _names(items: list[str]) -> str:
    more = len(items) - NAMES_SHOWN
    shown = ", ".join(items[:NAMES_SHOWN])
    return f"{shown} and {more} more" if more > 0 else shown


@dataclass(frozen=True)
class IssueOptions:
    issued_on: date
    final_qualification: bool = False
    status_reason: str = ""
    mail_merge: bool = False
    backdate_reason: str = ""
    backdate_confirmation: str = ""

    def to_json(self) -> dict:
        # "issued_date" is the key runs have always stored (and the API's field name).
        return {
            "issued_date": self.issued_on.isoformat(),
            "final_qualification": self.final_qualification,
            "status_reason": self.status_reason,
            "mail_merge": self.mail_merge,
            "backdate_reason": self.backdate_reason,
            "backdate_confirmation": self.backdate_confirmation,
        }

    @classmethod
    def from_json(cls, data: dict) -> "IssueOptions":
        return cls(
            issued_on=date.fromisoformat(data["issued_date"]),
            final_qualification=bool(data.get("final_qualification")),
            status_reason=data.get("status_reason", ""),
            mail_merge=bool(data.get("mail_merge")),
            backdate_reason=data.get("backdate_reason", ""),
            backdate_confirmation=data.get("backdate_confirmation", ""),
        )

    def event_data(self) -> dict:
        """What an issue event records of the options besides the date and the final flag."""
        if not self.backdate_reason:
            return {}
        return {
            "backdate_reason": self.backdate_reason,
            "backdate_confirmation": self.backdate_confirmation,
        }


def is_qualification_testamur(credential: Credential) -> bool:
    """A testamur of a qualification: the only credential that completes a qualification."""
    course = credential.course
    return credential.credential_type == CredentialType.TESTAMUR and bool(
        course and course.is_qualification
    )


def issue_options_check(
    options: IssueOptions, *, selected: list[Credential], issuing: list[Credential]
) -> IssueOptions:
    """The options as they will be recorded, or ValidationError naming each rule and field.

    `selected`: every credential chosen; `issuing`: those that will be issued (the rest are
    skipped for their own reasons). Both need their learner, course and course enrolment's
    offer loaded. A back-dating reason given for a recent date is not recorded.
    """
    today = organisation_today()
    issued_on = options.issued_on
    errors: dict[str, list[str]] = {}
    if issued_on > today:
        errors["issued_date"] = [
            ISSUED_DATE_FUTURE.format(date=_shown(issued_on), today=_shown(today))
        ]
    else:
        early = _commenced_after(issued_on, issuing)
        if early:
            errors["issued_date"] = [
                ISSUED_BEFORE_COMMENCED.format(date=_shown(issued_on), who=_names(early))
            ]
    days = (today - issued_on).days
    if days > BACKDATE_DAYS:
        if options.backdate_confirmation.strip().upper() != BACKDATE_WORD:
            message = BACKDATE_CONFIRMATION_REQUIRED.format(date=_shown(issued_on), days=days)
            errors["backdate_confirmation"] = [message]
        if not options.backdate_reason.strip():
            errors["backdate_reason"] = [BACKDATE_REASON_REQUIRED]
    if options.final_qualification:
        others = [
            f"{c.learner.full_name}'s {c.get_credential_type_display()}"
            for c in selected
            if not is_qualification_testamur(c)
        ]
        if others:
            verb = "is" if len(others) == 1 else "are"
            errors["final_qualification"] = [
                FINAL_QUALIFICATION_NOT_TESTAMUR.format(who=_names(others), verb=verb)
            ]
    if errors:
        raise ValidationError(errors)
    if days > BACKDATE_DAYS:
        return replace(
            options,
            backdate_reason=options.backdate_reason.strip(),
            backdate_confirmation=BACKDATE_WORD,
        )
    return replace(options, backdate_reason="", backdate_confirmation="")


def _commenced_after(issued_on: date, credentials: list[Credential]) -> list[str]:
    """Who, among these credentials' learners, began the enrolment after `issued_on`."""
    qualification_enrolments = QualificationEnrolment.objects.filter(
        pk__in={c.qualification_enrolment_id for c in credentials if c.qualification_enrolment_id}
    )
    commenced = qualification_enrolments_commenced(qualification_enrolments)
    found = []
    for credential in credentials:
        enrolment = credential.course_enrolment
        if enrolment is not None:
            began = enrolment.commencement_date or enrolment.offer.start_date
            where = enrolment.offer.code
        else:
            began = commenced.get(credential.qualification_enrolment_id)
            where = credential.course.code if credential.course else ""
        if began is None or issued_on >= began:
            continue
        entry = f"{credential.learner.full_name} ({where}, commenced {_shown(began)})"
        if entry not in found:  # once per enrolment, whatever its credentials
            found.append(entry)
    return found
