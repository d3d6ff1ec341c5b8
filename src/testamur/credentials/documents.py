"""From a credential to its PDF: the data context, rendering, signing, combined files.

The context is the fixed, documented set of data a template can use (rendering/context.py);
it never contains the USI. Drafts and previews are unsigned; issued documents are signed and
certified against changes.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.dateformat import format as date_format

from testamur.credentials.models import Credential, CredentialTemplateVersion, GenerationRun
from testamur.organisation.models import Organisation, Signatory
from testamur.training.achievement import achieved_unit_enrolments


class RenderError(Exception):
    """A template could not turn this credential's data into a document."""


@dataclass
class RenderedDocument:
    pdf: bytes
    version: CredentialTemplateVersion


def verification_url(credential: Credential) -> str:
    code = credential.verification_code or "PREVIEW"
    return f"{settings.PUBLIC_BASE_URL}/v/{code}"


def _course_dict(course) -> dict:
    return {
        "code": course.code,
        "title": course.title,
        "course_type": course.course_type,
        "aqf_level": course.get_aqf_level_display() if course.aqf_level else "",
        "is_qualification": course.is_qualification,
    }


def credential_context(credential: Credential, *, preview: bool, issued_on=None) -> dict:
    organisation = Organisation.load()
    learner = credential.learner
    course = credential.course_enrolment.offer.course if credential.course_enrolment_id else None
    units = []
    if credential.course_enrolment_id:
        units = [
            {
                "code": ue.unit.code,
                "title": ue.unit.title,
                "outcome": ue.outcome.code,
                "outcome_label": ue.outcome.description,
                "nominal_hours": ue.unit.nominal_hours,
            }
            for ue in achieved_unit_enrolments(credential.course_enrolment_id)
        ]
    signatories = Signatory.objects.filter(is_active=True).order_by("name")[:2]
    credential_date = credential.credential_date
    issued = issued_on or credential.issued_on
    return {
        "organisation": {
            "legal_name": organisation.legal_name,
            "trading_name": organisation.trading_name,
            "name": organisation.display_name,
            "rto_code": organisation.rto_code,
            "abn": organisation.abn,
            "address": ", ".join(
                p
                for p in [
                    organisation.address_line,
                    organisation.suburb,
                    f"{organisation.state} {organisation.postcode}".strip(),
                ]
                if p
            ),
            "website": organisation.website,
        },
        "learner": {
            "given_name": learner.given_name,
            "family_name": learner.family_name,
            "full_name": learner.full_name,
            "display_name": learner.display_name,
        },
        "credential": {
            "type": credential.credential_type,
            "type_label": credential.get_credential_type_display(),
            "number": credential.number if (credential.number and not preview) else "PREVIEW",
            "date": date_format(credential_date, "d/m/Y"),
            "date_long": date_format(credential_date, "j F Y"),
            "issued_date": date_format(issued, "d/m/Y") if issued else "",
            "verification_url": verification_url(credential),
            "verification_code": credential.verification_code or "",
            "is_preview": preview,
        },
        "course": _course_dict(course) if course else None,
        "qualification": _course_dict(course) if course and course.is_qualification else None,
        "major": None,
        "units": units,
        "signatories": [
            {"name": s.name, "title": s.title, "has_signature": bool(s.signature)}
            for s in signatories
        ],
    }


def render_draft(credential: Credential) -> tuple[bytes, CredentialTemplateVersion]:
    raise NotImplementedError


def render_issued(credential: Credential, *, issued_on) -> tuple[bytes, CredentialTemplateVersion]:
    raise NotImplementedError


def render_preview(credential: Credential) -> bytes:
    raise NotImplementedError


def build_combined_pdf(run: GenerationRun, items) -> None:
    raise NotImplementedError


def build_mail_merge(run: GenerationRun, items) -> None:
    raise NotImplementedError
