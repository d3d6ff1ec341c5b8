"""Issue-ready data for benchmarks, loaded in bulk (set-up is not what is measured)."""

from datetime import date

from django.contrib.auth.models import Group

from testamur.accounts.models import User
from testamur.accounts.roles import Role
from testamur.credentials.models import Credential, CredentialTemplate, CredentialType
from testamur.learners.models import Learner, UsiStatus
from testamur.learners.usi import ALPHABET, usi_check_character
from testamur.organisation.models import Organisation, Signatory
from testamur.training.models import (
    Course,
    CourseEnrolment,
    CourseOffer,
    OutcomeCode,
    Unit,
    UnitEnrolment,
)

LOGO = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40">'
    b'<rect width="120" height="40" fill="#1f4e79"/></svg>'
)
# Stand-in for the official NRT and AQF artwork: issuing refuses the built-in placeholders.
OFFICIAL_LOGO = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="240" height="96">'
    b'<rect width="240" height="96" fill="#00703c"/></svg>'
)


def _usi(n: int) -> str:
    body = ""
    for _ in range(9):
        body = ALPHABET[n % 32] + body
        n //= 32
    return body + usi_check_character(body)


def issue_ready_credentials(n: int) -> tuple[User, list[Credential]]:
    from django.core.files.base import ContentFile

    organisation = Organisation.load()
    organisation.legal_name = "Benchmark Training Pty Ltd"
    organisation.rto_code = "45678"
    organisation.logo.save("logo.svg", ContentFile(LOGO), save=False)
    organisation.nrt_logo.save("nrt-logo.svg", ContentFile(OFFICIAL_LOGO), save=False)
    organisation.aqf_logo.save("aqf-logo.svg", ContentFile(OFFICIAL_LOGO), save=False)
    organisation.save()
    Signatory.objects.get_or_create(name="Pat Example", title="CEO")
    actor = User.objects.create_user("bench-admin")
    actor.groups.set([Group.objects.get(name=Role.ADMIN.value)])
    units = Unit.objects.bulk_create(
        Unit(code=f"BSBBEN{i:03d}", title=f"Benchmark unit number {i}", nominal_hours=40)
        for i in range(6)
    )
    course = Course.objects.create(code="BSB40120", title="Certificate IV in Business", aqf_level=4)
    offer = CourseOffer.objects.create(
        course=course, code="BENCH-1", start_date=date(2026, 1, 5), end_date=date(2026, 11, 1)
    )
    achieved = OutcomeCode.objects.get(jurisdiction="national", code="20")
    learners = Learner.objects.bulk_create(
        Learner(
            client_id=f"B{i:07d}",
            given_name="Bench",
            family_name=f"Learner {i}",
            usi=_usi(10_000 + i),
            usi_status=UsiStatus.VERIFIED,
            usi_verified_on=date(2026, 1, 10),
        )
        for i in range(n)
    )
    enrolments = CourseEnrolment.objects.bulk_create(
        CourseEnrolment(learner=learner, offer=offer, status="completed") for learner in learners
    )
    UnitEnrolment.objects.bulk_create(
        UnitEnrolment(course_enrolment=e, unit=u, outcome=achieved)
        for e in enrolments
        for u in units
    )
    template = CredentialTemplate.objects.get(
        is_builtin=True, credential_type=CredentialType.STATEMENT_OF_ATTAINMENT
    )
    credentials = Credential.objects.bulk_create(
        Credential(
            credential_type=template.credential_type,
            template=template,
            learner_id=e.learner_id,
            course_enrolment=e,
            course=course,
            credential_date=date(2026, 11, 20),
            created_by=actor,
        )
        for e in enrolments
    )
    return actor, credentials
