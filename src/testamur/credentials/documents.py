"""From a credential to its PDF: the data context, rendering, signing and the run's files.

The context is the fixed, documented shape in rendering/context.py; it never holds the USI.
Drafts and previews are unsigned; issued documents are signed and certified against changes.
"""

import tempfile
import threading
from collections import defaultdict
from pathlib import Path

from django.conf import settings
from django.core.files import File
from openpyxl import Workbook

from testamur.core.spreadsheets import xlsx_row
from testamur.credentials.models import (
    Credential,
    CredentialTemplateVersion,
    GenerationRun,
    TemplateVersionState,
)
from testamur.credentials.rendering.bounded import get_renderer
from testamur.credentials.rendering.context import (
    PREVIEW_NUMBER,
    finalise_context,
    format_date,
    format_date_long,
)
from testamur.credentials.rendering.engine import TemplateError
from testamur.credentials.rendering.merge import merge_pdfs
from testamur.organisation.models import Organisation, Signatory
from testamur.organisation.signing_keys import signer_for_process
from testamur.qualifications.selectors import credential_sources
from testamur.training.achievement import achieved_unit_enrolments

NO_ACTIVE_VERSION = "The template {name} has no active version."


class RenderError(Exception):
    """A template could not turn this credential's data into a document."""


def verification_url(credential: Credential) -> str:
    code = credential.verification_code or PREVIEW_NUMBER
    return f"{settings.PUBLIC_BASE_URL}/v/{code}"


def _course_dict(course) -> dict:
    return {
        "code": course.code,
        "title": course.title,
        "course_type": course.course_type,
        "aqf_level": course.get_aqf_level_display() if course.aqf_level else "",
        "is_qualification": course.is_qualification,
    }


_asset_lock = threading.Lock()
_asset_cache: dict = {}


def organisation_assets(
    organisation: Organisation, signatories: list[Signatory]
) -> tuple[dict[str, bytes], str | None, dict[int, str]]:
    """The RTO's logo and signature images as template assets, read once per change."""
    key = (
        organisation.updated_at,
        organisation.logo.name,
        tuple((s.pk, s.signature.name) for s in signatories),
    )
    with _asset_lock:
        if _asset_cache.get("key") == key:
            return _asset_cache["value"]
    assets: dict[str, bytes] = {}
    logo_name = None
    if organisation.logo:
        logo_name = "rto-logo" + Path(organisation.logo.name).suffix.lower()
        with organisation.logo.open("rb") as handle:
            assets[logo_name] = handle.read()
    signature_names = {}
    for signatory in signatories:
        if signatory.signature:
            name = f"signature-{signatory.pk}{Path(signatory.signature.name).suffix.lower()}"
            with signatory.signature.open("rb") as handle:
                assets[name] = handle.read()
            signature_names[signatory.pk] = name
    value = (assets, logo_name, signature_names)
    with _asset_lock:
        _asset_cache.update(key=key, value=value)
    return value


class DocumentBatch:
    """Everything a set of credentials' documents need, loaded with a fixed number of queries.

    A run renders hundreds of credentials; loading the organisation, signatories, templates
    and achieved units once per batch keeps the database out of the per-document cost.
    """

    def __init__(self, credentials):
        self.organisation = Organisation.load()
        self.signatories = list(Signatory.objects.filter(is_active=True).order_by("name")[:2])
        self.assets, self.logo_name, self.signature_names = organisation_assets(
            self.organisation, self.signatories
        )
        credentials = list(credentials)
        self.units: dict[int, list[dict]] = defaultdict(list)
        enrolment_ids = {c.course_enrolment_id for c in credentials if c.course_enrolment_id}
        for ue in achieved_unit_enrolments(enrolment_ids):
            self.units[ue.course_enrolment_id].append(
                {
                    "code": ue.unit.code,
                    "title": ue.unit.title,
                    "outcome": ue.outcome.code,
                    "outcome_label": ue.outcome.description,
                    "nominal_hours": ue.unit.nominal_hours,
                }
            )
        # Credentials from qualification enrolments: the units their audit counted.
        self.qualification_sources = credential_sources(
            {c.qualification_enrolment_id for c in credentials}
        )
        self.versions = {
            v.template_id: v
            for v in CredentialTemplateVersion.objects.filter(
                template_id__in={c.template_id for c in credentials},
                state=TemplateVersionState.ACTIVE,
            ).prefetch_related("assets")
        }
        self._version_assets: dict[int, dict[str, bytes]] = {}

    def context(self, credential: Credential, *, preview: bool, issued_on=None) -> dict:
        """The template data for one credential (see rendering/context.py for the shape)."""
        organisation = self.organisation
        learner = credential.learner
        enrolment = credential.course_enrolment
        course = enrolment.offer.course if enrolment else None
        units = self.units.get(credential.course_enrolment_id, [])
        source = self.qualification_sources.get(credential.qualification_enrolment_id)
        if source:
            course, units = source.qualification, source.units
        major = {"name": source.major} if source and source.major else None
        issued = issued_on or credential.issued_on
        place = f"{organisation.state} {organisation.postcode}".strip()
        data = {
            "organisation": {
                "legal_name": organisation.legal_name,
                "trading_name": organisation.trading_name,
                "name": organisation.display_name,
                "rto_code": organisation.rto_code,
                "abn": organisation.abn,
                "address": ", ".join(
                    p for p in [organisation.address_line, organisation.suburb, place] if p
                ),
                "website": organisation.website,
                "logo": self.logo_name,
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
                "number": PREVIEW_NUMBER if preview or not credential.number else credential.number,
                "date": format_date(credential.credential_date),
                "date_long": format_date_long(credential.credential_date),
                "issued_date": format_date(issued) if issued else "",
                "verification_url": verification_url(credential),
                "verification_code": "" if preview else (credential.verification_code or ""),
                "is_preview": preview,
            },
            "course": _course_dict(course) if course else None,
            "qualification": _course_dict(course) if course and course.is_qualification else None,
            "major": major,
            "units": units,
            "signatories": [
                {
                    "name": s.name,
                    "title": s.title,
                    "has_signature": s.pk in self.signature_names,
                    "signature": self.signature_names.get(s.pk),
                }
                for s in self.signatories
            ],
        }
        return finalise_context(data)

    def _assets_of(self, version: CredentialTemplateVersion) -> dict[str, bytes]:
        if version.pk not in self._version_assets:
            assets = dict(self.assets)
            for asset in version.assets.all():
                with asset.file.open("rb") as handle:
                    assets[asset.name] = handle.read()
            self._version_assets[version.pk] = assets
        return self._version_assets[version.pk]

    def render(
        self, credential: Credential, *, preview: bool, issued_on=None
    ) -> tuple[bytes, CredentialTemplateVersion]:
        version = self.versions.get(credential.template_id)
        if version is None:
            raise RenderError(NO_ACTIVE_VERSION.format(name=credential.template.name))
        data = self.context(credential, preview=preview, issued_on=issued_on)
        try:
            pdf = get_renderer().render(
                source=version.source, data=data, assets=self._assets_of(version)
            )
        except TemplateError as exc:
            raise RenderError(f"Template {version}: {exc}") from exc
        return pdf, version

    def render_signed(
        self, credential: Credential, *, issued_on
    ) -> tuple[bytes, CredentialTemplateVersion]:
        """The final document: numbered, with its verification QR code, signed and certified."""
        pdf, version = self.render(credential, preview=False, issued_on=issued_on)
        organisation = self.organisation
        signed = signer_for_process().sign(
            pdf,
            # The same reason for every document keeps one prepared signer per process.
            reason=f"Issued by {organisation.display_name} (RTO {organisation.rto_code})",
            location=organisation.suburb or "Australia",
        )
        return signed, version


def credential_context(credential: Credential, *, preview: bool, issued_on=None) -> dict:
    return DocumentBatch([credential]).context(credential, preview=preview, issued_on=issued_on)


def render_draft(credential: Credential) -> tuple[bytes, CredentialTemplateVersion]:
    """The unsigned draft stored on a Generated credential for review."""
    return DocumentBatch([credential]).render(credential, preview=True)


def render_preview(credential: Credential) -> bytes:
    """An unsigned preview made now from current data; not stored anywhere."""
    return DocumentBatch([credential]).render(credential, preview=True)[0]


def render_issued(credential: Credential, *, issued_on) -> tuple[bytes, CredentialTemplateVersion]:
    return DocumentBatch([credential]).render_signed(credential, issued_on=issued_on)


def _local_path(field_file) -> Path:
    """A path on this machine for a stored file (copied to a temporary file if remote)."""
    try:
        return Path(field_file.path)
    except NotImplementedError:
        handle = tempfile.NamedTemporaryFile(suffix=".pdf", delete=False)  # noqa: SIM115
        with field_file.open("rb") as source:
            for chunk in iter(lambda: source.read(1 << 20), b""):
                handle.write(chunk)
        handle.close()
        return Path(handle.name)


def _document_of(credential: Credential):
    return credential.document if credential.document else credential.draft


def build_combined_pdf(run: GenerationRun, items) -> None:
    """The run's print version: every document of the run in one unsigned PDF."""
    paths = (_local_path(_document_of(item.credential)) for item in items.iterator())
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "combined.pdf"
        pages = merge_pdfs(paths, out, label=f"{run.get_kind_display()} run {run.pk}")
        if pages:
            with out.open("rb") as handle:
                run.combined_pdf.save(f"run-{run.pk}-print-version.pdf", File(handle), save=False)


MAIL_MERGE_COLUMNS = [
    "Credential number",
    "Type",
    "Credential date",
    "Issued date",
    "Learner ID",
    "Title",
    "Given name",
    "Family name",
    "Full name",
    "Email",
    "Street address",
    "Suburb",
    "State",
    "Postcode",
    "Course code",
    "Course title",
    "Course offer",
    "Verification URL",
]


def mail_merge_row(credential: Credential) -> list:
    learner = credential.learner
    enrolment = credential.course_enrolment
    course = credential.course
    return [
        credential.number or "",
        credential.get_credential_type_display(),
        format_date(credential.credential_date),
        format_date(credential.issued_on) if credential.issued_on else "",
        learner.client_id,
        learner.title,
        learner.given_name,
        learner.family_name,
        learner.full_name,
        learner.email,
        learner.address_line,
        learner.suburb,
        learner.state,
        learner.postcode,
        course.code if course else "",
        course.title if course else "",
        enrolment.offer.code if enrolment else "",
        verification_url(credential) if credential.verification_code else "",
    ]


def build_mail_merge(run: GenerationRun, items) -> None:
    """One row per credential with every merge field, written in streaming mode."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Credentials")
    sheet.append(MAIL_MERGE_COLUMNS)
    for item in items.iterator():
        sheet.append(xlsx_row(sheet, mail_merge_row(item.credential)))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "mail-merge.xlsx"
        workbook.save(out)
        with out.open("rb") as handle:
            run.mail_merge.save(f"run-{run.pk}-mail-merge.xlsx", File(handle), save=False)
