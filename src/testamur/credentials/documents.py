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
    CredentialIssuance,
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
    sanitize_context,
    strip_control_characters,
)
from testamur.credentials.rendering.engine import ARCHIVE_STANDARD, Attachment, TemplateError
from testamur.credentials.rendering.merge import merge_pdfs
from testamur.organisation.models import Organisation, Signatory
from testamur.organisation.signing_keys import signer_for_process
from testamur.qualifications.selectors import credential_sources
from testamur.training.achievement import achieved_unit_enrolments

NO_ACTIVE_VERSION = "The template {name} has no active version."


class RenderError(Exception):
    """A template could not turn this credential's data into a document."""


def verification_url(credential) -> str:
    """The public address printed as the QR code (a credential or its issuance record)."""
    code = credential.verification_code or PREVIEW_NUMBER
    return f"{settings.PUBLIC_BASE_URL}/v/{code}"


_asset_lock = threading.Lock()
_asset_cache: dict = {}


# Organisation image field → the stem of its asset name. The official NRT and AQF artwork takes
# the placeholders' stem, so it replaces them (an SVG even under the same file name).
ORGANISATION_IMAGES = {"logo": "rto-logo", "nrt_logo": "nrt-logo", "aqf_logo": "aqf-logo"}


def organisation_assets(
    organisation: Organisation, signatories: list[Signatory]
) -> tuple[dict[str, bytes], dict[str, str], dict[int, str]]:
    """The RTO's logos and signature images as template assets, read once per change.

    Returns (assets, image field → asset name for those uploaded, signatory id → asset name).
    """
    key = (
        organisation.updated_at,
        tuple(getattr(organisation, field).name for field in ORGANISATION_IMAGES),
        tuple((s.pk, s.signature.name) for s in signatories),
    )
    with _asset_lock:
        if _asset_cache.get("key") == key:
            return _asset_cache["value"]
    assets: dict[str, bytes] = {}
    image_names = {}
    for field, stem in ORGANISATION_IMAGES.items():
        image = getattr(organisation, field)
        if image:
            name = stem + Path(image.name).suffix.lower()
            with image.open("rb") as handle:
                assets[name] = handle.read()
            image_names[field] = name
    signature_names = {}
    for signatory in signatories:
        if signatory.signature:
            name = f"signature-{signatory.pk}{Path(signatory.signature.name).suffix.lower()}"
            with signatory.signature.open("rb") as handle:
                assets[name] = handle.read()
            signature_names[signatory.pk] = name
    value = (assets, image_names, signature_names)
    with _asset_lock:
        _asset_cache.update(key=key, value=value)
    return value


_ORGANISATION_TEXT = ("legal_name", "trading_name", "name", "rto_code", "abn", "address", "website")


def issuance_context(issuance: CredentialIssuance, *, preview: bool) -> dict:
    """The template data (rendering/context.py's shape) made from an issuance record alone.

    The date of issue printed is the record's issued date; a preview of a credential not yet
    issued shows the intended date (its credential date), marked as a preview.
    """
    printed = issuance.issued_on or issuance.credential_date
    course = None
    if issuance.course_code:
        course = {
            "code": issuance.course_code,
            "title": issuance.course_title,
            "course_type": issuance.course_type,
            "aqf_level": issuance.course_aqf_level_label,
            "is_qualification": issuance.course_is_qualification,
        }
    units = [
        {key: unit[key] for key in ("code", "title", "outcome", "outcome_label", "nominal_hours")}
        for unit in issuance.units
    ]
    data = {
        "organisation": {
            **{key: issuance.organisation.get(key, "") for key in _ORGANISATION_TEXT},
            "logo": issuance.organisation.get("logo"),
            # The official artwork's names, when uploaded; placeholders otherwise (previews).
            **{
                key: issuance.organisation[key]
                for key in ("nrt_logo", "aqf_logo")
                if issuance.organisation.get(key)
            },
        },
        "learner": {
            "given_name": issuance.learner_given_name,
            "family_name": issuance.learner_family_name,
            "full_name": issuance.learner_full_name,
            "display_name": issuance.learner_display_name,
        },
        "credential": {
            "type": issuance.credential_type,
            "type_label": issuance.credential_type_label,
            "number": PREVIEW_NUMBER if preview else issuance.number,
            "date": format_date(printed),
            "date_long": format_date_long(printed),
            "issued_date": "" if preview else format_date(printed),
            "verification_url": verification_url(issuance),
            "verification_code": "" if preview else issuance.verification_code,
            "is_preview": preview,
        },
        "course": course,
        "qualification": course if course and course["is_qualification"] else None,
        "major": {"name": issuance.major} if issuance.major else None,
        "units": units,
        "signatories": [
            {
                "name": s["name"],
                "title": s["title"],
                "has_signature": bool(s.get("signature")),
                "signature": s.get("signature"),
            }
            for s in issuance.signatories
        ],
    }
    return finalise_context(data)


class DocumentBatch:
    """Everything a set of credentials' documents need, loaded with a fixed number of queries.

    A run renders hundreds of credentials; loading the organisation, signatories, templates
    and achieved units once per batch keeps the database out of the per-document cost.
    """

    def __init__(self, credentials, *, organisation: Organisation | None = None):
        self.organisation = organisation or Organisation.load()
        self.signatories = list(Signatory.objects.filter(is_active=True).order_by("name")[:2])
        self.assets, self.image_names, self.signature_names = organisation_assets(
            self.organisation, self.signatories
        )
        credentials = list(credentials)
        self.units: dict[int, list[dict]] = defaultdict(list)
        enrolment_ids = {c.course_enrolment_id for c in credentials if c.course_enrolment_id}
        for ue in achieved_unit_enrolments(enrolment_ids):
            self.units[ue.course_enrolment_id].append(_unit_dict(ue))
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
        self._version_roots: dict[int, object] = {}
        self._signer = None

    def issuance(self, credential: Credential, *, issued_on=None) -> CredentialIssuance:
        """An unsaved issuance record holding what the credential's document says today.

        Issuing saves it (issuing._claim_number_and_freeze); a preview renders it and throws it
        away.
        """
        organisation = self.organisation
        learner = credential.learner
        enrolment = credential.course_enrolment
        course = enrolment.offer.course if enrolment else None
        units = self.units.get(credential.course_enrolment_id, [])
        source = self.qualification_sources.get(credential.qualification_enrolment_id)
        if source:
            course, units = source.qualification, source.units
        place = f"{organisation.state} {organisation.postcode}".strip()
        version = self.versions.get(credential.template_id)
        if version is None:
            raise RenderError(NO_ACTIVE_VERSION.format(name=credential.template.name))
        record = CredentialIssuance(
            credential=credential,
            number=credential.number or "",
            verification_code=credential.verification_code or "",
            credential_type=credential.credential_type,
            credential_date=credential.credential_date,
            issued_on=issued_on,
            learner_given_name=learner.given_name,
            learner_family_name=learner.family_name,
            learner_full_name=learner.full_name,
            learner_display_name=learner.display_name,
            learner_email_identifier=learner.email
            if learner.digital_credential_email_consent_at
            else "",
            course_code=course.code if course else "",
            course_title=course.title if course else "",
            course_type=course.course_type if course else "",
            course_aqf_level=course.aqf_level if course else None,
            course_aqf_level_label=course.get_aqf_level_display()
            if course and course.aqf_level
            else "",
            major=(source.major or "") if source else "",
            units=[dict(unit) for unit in units],
            organisation={
                "legal_name": organisation.legal_name,
                "trading_name": organisation.trading_name,
                "name": organisation.display_name,
                "rto_code": organisation.rto_code,
                "abn": organisation.abn,
                "address": ", ".join(
                    p for p in [organisation.address_line, organisation.suburb, place] if p
                ),
                "website": organisation.website,
                "email": organisation.email,
                "logo": self.image_names.get("logo"),
                # Absent until uploaded: finalise_context then names the placeholders.
                **{
                    field: name
                    for field, name in self.image_names.items()
                    if field in ("nrt_logo", "aqf_logo")
                },
            },
            signatories=[
                {
                    "id": s.pk,
                    "name": s.name,
                    "title": s.title,
                    "signature": self.signature_names.get(s.pk),
                }
                for s in self.signatories
            ],
            template_version=version,
        )
        # Kept as printed: the template receives every string without control characters.
        for field in _TEXT_FIELDS:
            setattr(record, field, strip_control_characters(getattr(record, field)))
        for field in ("units", "organisation", "signatories"):
            setattr(record, field, sanitize_context(getattr(record, field)))
        return record

    def _root_of(self, version: CredentialTemplateVersion):
        """The render root holding the version's files and the RTO's images: read, hashed and
        checked once per batch, not once per document."""
        if version.pk not in self._version_roots:
            assets = {}
            for asset in version.assets.all():
                with asset.file.open("rb") as handle:
                    assets[asset.name] = handle.read()
            # The RTO's own images win over a template file of the same (now reserved) name.
            self._version_roots[version.pk] = get_renderer().root_for({**assets, **self.assets})
        return self._version_roots[version.pk]

    def _render(self, issuance: CredentialIssuance, *, preview: bool, **options) -> bytes:
        version = issuance.template_version
        try:
            return get_renderer().render(
                source=version.source,
                data=issuance_context(issuance, preview=preview),
                root=self._root_of(version),
                **options,
            )
        except TemplateError as exc:
            raise RenderError(f"Template {version}: {exc}") from exc

    def render(self, credential: Credential, *, preview: bool = True):
        """An unsigned preview or draft from today's data, with the version it used."""
        issuance = self.issuance(credential)
        return self._render(issuance, preview=preview), issuance.template_version

    def render_signed(
        self, issuance: CredentialIssuance, *, twin: Attachment | None = None
    ) -> bytes:
        """The final document, from the frozen record alone: numbered, with its verification
        QR code, dated with the issued date, PDF/A-3b for the archive, carrying its digital
        `twin` (credentials/twins.py) if given, signed and certified."""
        pdf = self._render(issuance, preview=False, pdf_standard=ARCHIVE_STANDARD, attachment=twin)
        organisation = self.organisation
        if self._signer is None:  # the active key is looked up once per batch
            self._signer = signer_for_process()
        return self._signer.sign(
            pdf,
            # The same reason for every document keeps one prepared signer per process.
            reason=f"Issued by {organisation.display_name} (RTO {organisation.rto_code})",
            location=organisation.suburb or "Australia",
        )


_TEXT_FIELDS = (
    "learner_given_name",
    "learner_family_name",
    "learner_full_name",
    "learner_display_name",
    "course_title",
    "major",
)


def _unit_dict(ue) -> dict:
    return {
        "code": ue.unit.code,
        "title": ue.unit.title,
        "outcome": ue.outcome.code,
        "outcome_label": ue.outcome.description,
        "nominal_hours": ue.unit.nominal_hours,
        "is_vet": ue.unit.is_vet,
    }


def render_preview(credential: Credential) -> bytes:
    """An unsigned preview made now from current data; not stored anywhere."""
    return DocumentBatch([credential]).render(credential, preview=True)[0]


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


# Items a run's files read at a time: each comes with its credential, learner, enrolment and
# issuance record, so Django's default of 2,000 rows held a worker's memory ~30 MB higher at
# N = 5,000 than at N = 1,000 (0030).
FILES_CHUNK = 100


def build_combined_pdf(run: GenerationRun, items) -> None:
    """The run's print version: every document of the run in one unsigned PDF."""
    paths = (
        _local_path(_document_of(item.credential))
        for item in items.iterator(chunk_size=FILES_CHUNK)
    )
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
    """An issued credential's names, dates, course and number are those of its issuance
    record (as printed); where to send it (email, address) is the learner's today."""
    learner = credential.learner
    enrolment = credential.course_enrolment
    record = credential.issued_record
    if record is None:
        course = credential.course
        number, issued = credential.number or "", credential.issued_on
        names = (learner.given_name, learner.family_name, learner.full_name)
        course_code, course_title = (course.code, course.title) if course else ("", "")
        url = verification_url(credential) if credential.verification_code else ""
    else:
        number, issued = record.number, record.issued_on
        names = (record.learner_given_name, record.learner_family_name, record.learner_full_name)
        course_code, course_title = record.course_code, record.course_title
        url = verification_url(record)
    return [
        number,
        credential.get_credential_type_display(),
        format_date(credential.credential_date),
        format_date(issued) if issued else "",
        learner.client_id,
        learner.title,
        *names,
        learner.email,
        learner.address_line,
        learner.suburb,
        learner.state,
        learner.postcode,
        course_code,
        course_title,
        enrolment.offer.code if enrolment else "",
        url,
    ]


def build_mail_merge(run: GenerationRun, items) -> None:
    """One row per credential with every merge field, written in streaming mode."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Credentials")
    sheet.append(MAIL_MERGE_COLUMNS)
    for item in items.iterator(chunk_size=FILES_CHUNK):
        sheet.append(xlsx_row(sheet, mail_merge_row(item.credential)))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "mail-merge.xlsx"
        workbook.save(out)
        with out.open("rb") as handle:
            run.mail_merge.save(f"run-{run.pk}-mail-merge.xlsx", File(handle), save=False)
