"""Every status change of a credential, from every entry point (service, page, API, run),
moves everything that follows from it (DESIGN.md rule 10): the qualification enrolment's
status, the course enrolment's qualification-issued flag, parchment number and issued date,
the revocation list and the digital credential. One table of transitions × entry points.

The credentials are a qualification enrolment's testamur and record of results; the learner
also completed an offer of that qualification, whose course enrolment a final-qualification
testamur marks as the qualification issued.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from testamur.accounts.roles import Role
from testamur.api.services import api_token_create
from testamur.core.models import Event
from testamur.credentials.issue_options import IssueOptions
from testamur.credentials.issuing import credentials_issue
from testamur.credentials.models import (
    Credential,
    CredentialStatus,
    CredentialTemplate,
    CredentialTemplateVersion,
    CredentialType,
    RunKind,
    TemplateVersionState,
)
from testamur.credentials.qualification_requests import credential_request_for_qualification
from testamur.credentials.runs import run_start
from testamur.credentials.services import (
    credential_cancel,
    credential_delete,
    credential_reissue,
)
from testamur.qualifications.models import QualificationStatus
from testamur.verification.models import DigitalCredential
from testamur.verification.register_checks import expected_document
from testamur.verification.verifier import vc_verify
from tests.api.conftest import ApiClient
from tests.credentials.helpers import qualification_world

pytestmark = pytest.mark.django_db

S = CredentialStatus
Q = QualificationStatus
ISSUED_ON = timezone.localdate() - timedelta(days=2)
CREDENTIAL_DATE = timezone.localdate()
BROKEN = '#let data = json(bytes(sys.inputs.at("data")))\n#panic("The layout is broken")'


@dataclass
class World:
    admin: object
    admin_client: object
    admin_api: object
    capture: object
    course_enrolment: object
    qualification_enrolment: object

    def credentials(self) -> dict[str, Credential]:
        """The live testamur and record of results (the latest of each type)."""
        found = {}
        for credential in Credential.objects.filter(
            qualification_enrolment=self.qualification_enrolment
        ).order_by("pk"):
            found[credential.credential_type] = credential
        return found

    @property
    def testamur(self) -> Credential:
        return self.credentials()[CredentialType.TESTAMUR]

    def both(self) -> list[Credential]:
        return list(self.credentials().values())

    def run(self, kind, credentials, *, execute=True, **options):
        with self.capture(execute=execute):
            run, _ = run_start(
                actor=self.admin,
                kind=kind,
                credentials=credentials,
                options=IssueOptions(**options) if kind == RunKind.ISSUE else None,
            )
        return run


@pytest.fixture
def world(make_user, django_capture_on_commit_callbacks):
    admin = make_user(Role.ADMIN)
    admin_client = Client()
    admin_client.force_login(admin)
    course_enrolment, qualification_enrolment = qualification_world()
    return World(
        admin=admin,
        admin_client=admin_client,
        admin_api=ApiClient(admin, api_token_create(user=admin, name="Lifecycle")[1]),
        capture=django_capture_on_commit_callbacks,
        course_enrolment=course_enrolment,
        qualification_enrolment=qualification_enrolment,
    )


# Start states


def requested(world, testamur_template=None):
    credential_request_for_qualification(
        actor=world.admin,
        qualification_enrolment=world.qualification_enrolment,
        credential_date=CREDENTIAL_DATE,
        testamur_template=testamur_template,
        generate=False,
    )


def generated(world):
    requested(world)
    world.run(RunKind.GENERATE, world.both())


def failed(world):
    template = CredentialTemplate.objects.create(
        name="Broken testamur", credential_type=CredentialType.TESTAMUR
    )
    CredentialTemplateVersion.objects.create(
        template=template, number=1, source=BROKEN, state=TemplateVersionState.ACTIVE
    )
    requested(world, testamur_template=template)
    world.run(RunKind.GENERATE, [world.testamur])


def issued(world):
    generated(world)
    issue_service(world)


# Actions, by entry point. Each issues the record of results, then the testamur as the
# learner's final qualification (the question is asked for testamurs alone).


def _record_then_testamur(world):
    credentials = world.credentials()
    return [
        (credentials[CredentialType.RECORD_OF_RESULTS], False),
        (credentials[CredentialType.TESTAMUR], True),
    ]


def issue_page(world):
    for credential, final in _record_then_testamur(world):
        with world.capture(execute=True):
            response = world.admin_client.post(
                reverse("credentials:issue"),
                {
                    "credential": [credential.pk],
                    "final_qualification": "yes" if final else "no",
                    "issued_date": ISSUED_ON.isoformat(),
                },
            )
        assert response.status_code == 302, response.content.decode()


def issue_api(world):
    for credential, final in _record_then_testamur(world):
        with world.capture(execute=True):
            response = world.admin_api.post(
                "/runs/issue",
                {
                    "credentials": [credential.pk],
                    "issued_date": ISSUED_ON.isoformat(),
                    "final_qualification": final,
                },
            )
        assert response.status_code == 202, response.content


def issue_run(world):
    for credential, final in _record_then_testamur(world):
        world.run(
            RunKind.ISSUE,
            [credential],
            issued_on=ISSUED_ON,
            final_qualification=final,
        )


def issue_service(world):
    for credential, final in _record_then_testamur(world):
        # The digital credential follows once the issue has committed.
        with world.capture(execute=True):
            credentials_issue(
                actor=world.admin,
                credentials=[credential],
                options=IssueOptions(issued_on=ISSUED_ON, final_qualification=final),
            )


def generate_page(world):
    ids = [c.pk for c in world.both()]
    with world.capture(execute=True):
        response = world.admin_client.post(
            reverse("credentials:bulk"), {"action": "preview", "credential": ids}
        )
    assert response.status_code == 302


def generate_api(world):
    with world.capture(execute=True):
        response = world.admin_api.post(
            "/runs/preview", {"credentials": [c.pk for c in world.both()]}
        )
    assert response.status_code == 202, response.content


def generate_run(world):
    world.run(RunKind.GENERATE, world.both())


def run_started(world):
    """Only the run's start: the credentials are Generating, nothing rendered yet."""
    world.run(RunKind.GENERATE, world.both(), execute=False)


def regenerate_page(world):
    """The broken layout is fixed, then Regenerate is pressed; the run has not run yet."""
    CredentialTemplateVersion.objects.filter(source=BROKEN).update(
        source=CredentialTemplateVersion.objects.filter(
            template__is_builtin=True, template__credential_type=CredentialType.TESTAMUR
        )
        .values_list("source", flat=True)
        .first()
    )
    testamur = world.testamur
    with world.capture(execute=False):
        response = world.admin_client.post(
            reverse("credentials:regenerate", args=[testamur.pk]),
            {"revision": testamur.revision},
        )
    assert response.status_code == 302


def request_service(world):
    requested(world)


def request_page(world):
    with world.capture(execute=True):
        response = world.admin_client.post(
            reverse("credentials:request_qualification", args=[world.qualification_enrolment.pk]),
            {
                "testamur_template": CredentialTemplate.objects.get(
                    is_builtin=True, credential_type=CredentialType.TESTAMUR
                ).pk,
                "record_template": CredentialTemplate.objects.get(
                    is_builtin=True, credential_type=CredentialType.RECORD_OF_RESULTS
                ).pk,
                "credential_date": CREDENTIAL_DATE.isoformat(),
            },
        )
    assert response.status_code == 302, response.content.decode()


def request_api(world):
    with world.capture(execute=True):
        response = world.admin_api.post(
            f"/qualification-enrolments/{world.qualification_enrolment.pk}/request-credentials",
            {"credential_date": CREDENTIAL_DATE.isoformat()},
        )
    assert response.status_code == 201, response.content


REASON = "Issued in error"


def cancel_service(world):
    credential_cancel(actor=world.admin, credential=world.testamur, reason=REASON)


def cancel_page(world):
    response = world.admin_client.post(
        reverse("credentials:cancel", args=[world.testamur.pk]), {"reason": REASON}
    )
    assert response.status_code == 302


def cancel_api(world):
    response = world.admin_api.post(f"/credentials/{world.testamur.pk}/cancel", {"reason": REASON})
    assert response.status_code == 200, response.content


def delete_service(world):
    for credential in world.both():
        credential_delete(actor=world.admin, credential=credential)


def delete_page(world):
    for credential in world.both():
        response = world.admin_client.post(reverse("credentials:delete", args=[credential.pk]))
        assert response.status_code == 302


def delete_api(world):
    for credential in world.both():
        assert world.admin_api.delete(f"/credentials/{credential.pk}").status_code == 204


def reissue_service(world):
    with world.capture(execute=True):
        credential_reissue(actor=world.admin, credential=world.testamur, reason=REASON)


def reissue_page(world):
    with world.capture(execute=True):
        response = world.admin_client.post(
            reverse("credentials:reissue", args=[world.testamur.pk]),
            {"reason": REASON, "credential_date": CREDENTIAL_DATE.isoformat()},
        )
    assert response.status_code == 302


def reissue_api(world):
    with world.capture(execute=True):
        response = world.admin_api.post(
            f"/credentials/{world.testamur.pk}/reissue", {"reason": REASON}
        )
    assert response.status_code == 201, response.content


@dataclass(frozen=True)
class Row:
    """From `start`, `action` (an entry point) leaves the testamur `testamur` (None: deleted)
    and the qualification enrolment `qualification`; `event` is the testamur's last action."""

    start: object
    action: object
    testamur: str | None
    qualification: str
    event: str


ROWS = {
    "request/service": Row(None, request_service, S.REQUESTED, Q.GENERATING, "requested"),
    "request+generate/page": Row(None, request_page, S.GENERATED, Q.AWAITING_ISSUE, "generated"),
    "request+generate/api": Row(None, request_api, S.GENERATED, Q.AWAITING_ISSUE, "generated"),
    "generate/run start": Row(requested, run_started, S.GENERATING, Q.GENERATING, "generate"),
    "generated/run": Row(requested, generate_run, S.GENERATED, Q.AWAITING_ISSUE, "generated"),
    "generated/page": Row(requested, generate_page, S.GENERATED, Q.AWAITING_ISSUE, "generated"),
    "generated/api": Row(requested, generate_api, S.GENERATED, Q.AWAITING_ISSUE, "generated"),
    "fail/run": Row(None, failed, S.FAILED, Q.FAILED, "fail"),
    "regenerate failed/page": Row(failed, regenerate_page, S.GENERATING, Q.GENERATING, "generate"),
    "regenerate generated/run": Row(generated, run_started, S.GENERATING, Q.GENERATING, "generate"),
    "issue/service": Row(generated, issue_service, S.ISSUED, Q.ISSUED, "issue"),
    "issue/run": Row(generated, issue_run, S.ISSUED, Q.ISSUED, "issue"),
    "issue/page": Row(generated, issue_page, S.ISSUED, Q.ISSUED, "issue"),
    "issue/api": Row(generated, issue_api, S.ISSUED, Q.ISSUED, "issue"),
    "cancel requested/service": Row(requested, cancel_service, S.CANCELLED, Q.WITHDRAWN, "cancel"),
    "cancel generated/page": Row(generated, cancel_page, S.CANCELLED, Q.WITHDRAWN, "cancel"),
    "cancel failed/api": Row(failed, cancel_api, S.CANCELLED, Q.WITHDRAWN, "cancel"),
    "cancel issued/service": Row(issued, cancel_service, S.CANCELLED, Q.WITHDRAWN, "cancel"),
    "cancel issued/page": Row(issued, cancel_page, S.CANCELLED, Q.WITHDRAWN, "cancel"),
    "cancel issued/api": Row(issued, cancel_api, S.CANCELLED, Q.WITHDRAWN, "cancel"),
    "delete/service": Row(requested, delete_service, None, Q.READY, "deleted"),
    "delete/page": Row(requested, delete_page, None, Q.READY, "deleted"),
    "delete/api": Row(requested, delete_api, None, Q.READY, "deleted"),
    # A re-issue cancels the testamur and requests its replacement, generated at once.
    "reissue/service": Row(issued, reissue_service, S.GENERATED, Q.AWAITING_ISSUE, "generated"),
    "reissue/page": Row(issued, reissue_page, S.GENERATED, Q.AWAITING_ISSUE, "generated"),
    "reissue/api": Row(issued, reissue_api, S.GENERATED, Q.AWAITING_ISSUE, "generated"),
}


def assert_followers(world, row: Row) -> None:
    testamurs = list(
        Credential.objects.filter(
            qualification_enrolment=world.qualification_enrolment,
            credential_type=CredentialType.TESTAMUR,
        ).select_related("issuance")
    )
    live = [t for t in testamurs if t.status != S.CANCELLED]
    testamur = (live or testamurs or [None])[-1]

    # The credential itself, and its event.
    assert (testamur.status if testamur else None) == row.testamur
    if testamur is not None:
        changes = Event.objects.filter(
            subject_type="credential", subject_id=str(testamur.pk)
        ).exclude(from_state="", to_state="")
        assert changes.order_by("-id").first().action == row.event

    # The qualification enrolment's status.
    world.qualification_enrolment.refresh_from_db()
    assert world.qualification_enrolment.status == row.qualification

    # The course enrolment's qualification-issued flag, parchment number and issued date.
    issued = [t for t in testamurs if t.status == S.ISSUED]
    enrolment = world.course_enrolment
    enrolment.refresh_from_db()
    if issued:
        assert (enrolment.qual_issued, enrolment.parchment_number, enrolment.issued_date) == (
            True,
            issued[0].number,
            ISSUED_ON,
        )
    else:
        assert (enrolment.qual_issued, enrolment.parchment_number, enrolment.issued_date) == (
            False,
            "",
            None,
        )

    # The digital credential (made from the record) and the revocation list.
    for credential in testamurs:
        record = credential.issued_record
        entry = DigitalCredential.objects.filter(credential=credential).first()
        if record is None:
            assert entry is None
            continue
        signed = {k: v for k, v in entry.signed.items() if k != "proof"}
        assert signed == expected_document(entry, record)
        check = vc_verify(entry.signed)
        assert check.revoked == (credential.status == S.CANCELLED)
        assert check.valid == (credential.status == S.ISSUED)


@pytest.mark.parametrize("name", list(ROWS))
def test_every_transition_from_every_entry_point_moves_every_follower(world, name):
    row = ROWS[name]
    if row.start:
        row.start(world)
    row.action(world)
    assert_followers(world, row)
