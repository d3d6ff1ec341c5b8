"""Templates offered for requests, their versions, and the sample a new version is tried on."""

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from testamur.credentials.models import (
    Credential,
    CredentialTemplate,
    CredentialTemplateVersion,
    CredentialType,
    TemplateVersionState,
)
from testamur.credentials.selectors.register import credentials_base
from testamur.training.achievement import enrolment_unit_counts
from testamur.training.models import Course


def templates_available() -> QuerySet[CredentialTemplate]:
    """Templates that can be chosen for a request: available, with an active version."""
    return (
        CredentialTemplate.objects.filter(
            is_available=True, versions__state=TemplateVersionState.ACTIVE
        )
        .distinct()
        .order_by("credential_type", "name")
    )


def template_list() -> QuerySet[CredentialTemplate]:
    """Every template with its active version's number and how many drafts wait."""
    active = CredentialTemplateVersion.objects.filter(
        template=OuterRef("pk"), state=TemplateVersionState.ACTIVE
    )
    return CredentialTemplate.objects.annotate(
        active_number=Subquery(active.values("number")[:1]),
        draft_count=Count("versions", filter=Q(versions__state=TemplateVersionState.DRAFT)),
    ).order_by("credential_type", "-is_builtin", "name")


def template_versions(template: CredentialTemplate) -> QuerySet[CredentialTemplateVersion]:
    """A template's versions, newest first, with their files and how many credentials used them."""
    return (
        template.versions.select_related("created_by")
        .annotate(
            asset_count=Count("assets", distinct=True),
            credential_count=Count("credentials", distinct=True),
        )
        .order_by("-number")
    )


def template_default(course: Course) -> CredentialTemplate | None:
    """The template a request starts with: a Testamur for a qualification, else a Statement."""
    wanted = (
        CredentialType.TESTAMUR
        if course.is_qualification
        else CredentialType.STATEMENT_OF_ATTAINMENT
    )
    available = templates_available()
    return available.filter(credential_type=wanted).first() or available.first()


def earned_credential_type(course: Course, enrolments) -> str:
    """What these enrolments earned: a Testamur when every one achieved every unit of a
    qualification, else a Statement of Attainment."""
    counts = enrolment_unit_counts({e.pk for e in enrolments})
    complete = bool(enrolments) and all(
        counts.get(e.pk, (0, 0))[1] and counts[e.pk][0] == counts[e.pk][1] for e in enrolments
    )
    if course.is_qualification and complete:
        return CredentialType.TESTAMUR
    return CredentialType.STATEMENT_OF_ATTAINMENT


def template_for_earned(course: Course, enrolments) -> CredentialTemplate | None:
    """The template a request starts with: the only one available, else the first of the type
    the enrolments earned (earned_credential_type)."""
    available = list(templates_available())
    if len(available) == 1:
        return available[0]
    wanted = earned_credential_type(course, enrolments)
    fitting = [t for t in available if t.credential_type == wanted]
    return fitting[0] if fitting else (available[0] if available else None)


def activation_sample(template: CredentialTemplate, *, limit: int) -> list[Credential]:
    """The newest credentials made from `template`, topped up with the newest of its type:
    real data a new version is rendered with before it is activated."""
    base = credentials_base().order_by("-pk")
    sample = list(base.filter(template=template)[:limit])
    if len(sample) < limit:
        sample += base.filter(credential_type=template.credential_type).exclude(template=template)[
            : limit - len(sample)
        ]
    return sample
