"""Issuance records for the credentials issued before records existed (DESIGN.md rule 9).

Nothing kept what their documents said, so each record is rebuilt from the data of the day
this migration runs and marked `reconstructed`. Its fingerprint is the one taken at issue (the
stored file's own hash when none was taken), so verify_register still catches a changed file.
"""

import hashlib
import secrets
from datetime import datetime, time
from pathlib import Path

from django.db import migrations
from django.utils import timezone

BATCH = 500


def _organisation(apps) -> dict:
    Organisation = apps.get_model("organisation", "Organisation")
    organisation = Organisation.objects.filter(id=1).first()
    if organisation is None:
        return {"name": "Your RTO"}
    place = f"{organisation.state} {organisation.postcode}".strip()
    return {
        "legal_name": organisation.legal_name,
        "trading_name": organisation.trading_name,
        "name": organisation.trading_name or organisation.legal_name or "Your RTO",
        "rto_code": organisation.rto_code,
        "abn": organisation.abn,
        "address": ", ".join(
            p for p in [organisation.address_line, organisation.suburb, place] if p
        ),
        "website": organisation.website,
        "email": organisation.email,
        "logo": ("rto-logo" + Path(organisation.logo.name).suffix.lower())
        if organisation.logo
        else None,
    }


def _signatories(apps) -> list[dict]:
    Signatory = apps.get_model("organisation", "Signatory")
    return [
        {
            "id": s.pk,
            "name": s.name,
            "title": s.title,
            "signature": f"signature-{s.pk}{Path(s.signature.name).suffix.lower()}"
            if s.signature
            else None,
        }
        for s in Signatory.objects.filter(is_active=True).order_by("name")[:2]
    ]


def _unit(ue) -> dict:
    return {
        "code": ue.unit.code,
        "title": ue.unit.title,
        "outcome": ue.outcome.code,
        "outcome_label": ue.outcome.description,
        "nominal_hours": ue.unit.nominal_hours,
        "is_vet": ue.unit.is_vet,
    }


def _units(apps, credential) -> list[dict]:
    UnitEnrolment = apps.get_model("training", "UnitEnrolment")
    achieved = UnitEnrolment.objects.filter(outcome__is_achieved=True).select_related(
        "unit", "outcome"
    )
    if credential.course_enrolment_id:
        rows = achieved.filter(course_enrolment_id=credential.course_enrolment_id)
        return [_unit(ue) for ue in rows.order_by("unit__code")]
    enrolment = credential.qualification_enrolment
    explanation = enrolment.audit_explanation if isinstance(enrolment.audit_explanation, dict) else {}
    counted = set(explanation.get("counted_units", []))
    latest = {}
    rows = achieved.filter(course_enrolment__learner_id=enrolment.learner_id).order_by(
        "unit__code", "-end_date", "-id"
    )
    for ue in rows:
        latest.setdefault(ue.unit.code, ue)
    return [_unit(ue) for code, ue in sorted(latest.items()) if code in counted]


def _sha256(credential) -> str:
    if credential.document_sha256:
        return credential.document_sha256
    try:
        with credential.document.open("rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return "0" * 64  # no file: verify_register reports it


def reconstruct(apps, schema_editor):
    Credential = apps.get_model("credentials", "Credential")
    Issuance = apps.get_model("credentials", "CredentialIssuance")
    Version = apps.get_model("credentials", "CredentialTemplateVersion")
    CourseEnrolment = apps.get_model("training", "CourseEnrolment")
    Course = apps.get_model("training", "Course")
    aqf_labels = dict(Course._meta.get_field("aqf_level").choices)
    organisation = _organisation(apps)
    signatories = _signatories(apps)
    issued = (
        Credential.objects.filter(
            status__in=["issued", "cancelled"], number__isnull=False, issued_on__isnull=False
        )
        .exclude(document="")
        .filter(issuance__isnull=True)
        .select_related("learner", "course", "qualification_enrolment__major")
        .order_by("pk")
    )
    batch = []
    for credential in issued.iterator(chunk_size=BATCH):
        version_id = credential.template_version_id or (
            Version.objects.filter(template_id=credential.template_id)
            .order_by("-number")
            .values_list("pk", flat=True)
            .first()
        )
        if not credential.verification_code:
            credential.verification_code = secrets.token_urlsafe(16)
            credential.save(update_fields=["verification_code"])
        learner, course = credential.learner, credential.course
        issued_at = credential.issued_at or timezone.make_aware(
            datetime.combine(credential.issued_on, time(12))
        )
        final = (
            credential.final_qualification
            and credential.credential_type == "testamur"
            and course is not None
            and course.course_type == "qualification"
        )
        flagged = (
            CourseEnrolment.objects.filter(
                learner_id=credential.learner_id, parchment_number=credential.number
            ).first()
            if final
            else None
        )
        major = credential.qualification_enrolment.major if credential.qualification_enrolment_id else None
        batch.append(
            Issuance(
                credential=credential,
                number=credential.number,
                verification_code=credential.verification_code,
                credential_type=credential.credential_type,
                credential_date=credential.credential_date,
                issued_on=credential.issued_on,
                learner_given_name=learner.given_name,
                learner_family_name=learner.family_name,
                learner_full_name=" ".join(
                    p for p in [learner.given_name, learner.middle_names, learner.family_name] if p
                ),
                learner_display_name=f"{learner.given_name} {learner.family_name}".strip(),
                course_code=course.code if course else "",
                course_title=course.title if course else "",
                course_type=course.course_type if course else "",
                course_aqf_level=course.aqf_level if course else None,
                course_aqf_level_label=aqf_labels.get(course.aqf_level, "") if course else "",
                major=major.name if major else "",
                units=_units(apps, credential),
                organisation=organisation,
                signatories=signatories,
                template_version_id=version_id,
                final_qualification=final,
                qualification_enrolment_flagged=flagged,
                frozen_at=issued_at,
                document_sha256=_sha256(credential),
                issued_at=issued_at,
                issued_by_id=credential.issued_by_id,
                reconstructed=True,
            )
        )
        if len(batch) >= BATCH:
            Issuance.objects.bulk_create(batch)
            batch = []
    Issuance.objects.bulk_create(batch)


def forget(apps, schema_editor):
    apps.get_model("credentials", "CredentialIssuance").objects.filter(
        reconstructed=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("credentials", "0007_credential_issuance"),
        ("organisation", "0004_learner_inactive_rule"),
        ("qualifications", "0001_initial"),
        ("training", "0005_enrolment_completion_date_index"),
    ]

    operations = [migrations.RunPython(reconstruct, forget)]
