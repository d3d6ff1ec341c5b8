"""Every change to a credential template: new templates, new versions, activation.

Versions are immutable once they leave Draft: editing saves a new draft version, and a
credential keeps pointing at the version it was rendered with. A draft may still gain or lose
assets until it is activated. Built-in templates ship with the product and are never changed
here (copy one instead). Uploading and removing a version's files is
credential_template_assets.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from testamur.core.events import event_record
from testamur.credentials.documents import DocumentBatch, issuance_context
from testamur.credentials.models import (
    CredentialTemplate,
    CredentialTemplateVersion,
    TemplateAsset,
    TemplateVersionState,
)
from testamur.credentials.rendering.bounded import get_renderer
from testamur.credentials.rendering.content_check import check_template
from testamur.credentials.rendering.engine import (
    ARCHIVE_STANDARD,
    TemplateError,
    builtin_source,
)
from testamur.credentials.selectors import activation_sample

PERM_ADD = "credentials.add_credentialtemplate"
PERM_CHANGE = "credentials.change_credentialtemplate"

BUILTIN_NOT_EDITABLE = (
    "{name} is a built-in template and cannot be changed. Copy it to a new template and edit "
    "the copy."
)
BUILTIN_ONLY_AVAILABILITY = "Only whether a built-in template is available can be changed."
NOT_A_DRAFT = "Version {number} is {state}: only a draft version can be {what}."
NOT_ACTIVATED = "Version {number} was not activated: {count} problem(s) to fix first."
SOURCE_EMPTY = "The template source is empty."
SOURCE_TOO_LONG = "The template source is longer than {limit} characters."
REAL_DATA_FAILED = (
    "With the data of credential {credential} (a real credential, rendered for this check) "
    "the template fails: {error}"
)

MAX_SOURCE_CHARS = 200_000
# Real credentials rendered when a version is activated: a template may misbehave only with
# real data (a loop over a name's letters, a learner with many units).
ACTIVATION_SAMPLE = 3


def _require(actor, perm: str) -> None:
    if not actor.has_perm(perm):
        raise PermissionDenied


def _refuse_builtin(template: CredentialTemplate) -> None:
    if template.is_builtin:
        raise ValidationError(BUILTIN_NOT_EDITABLE.format(name=template.name))


def _refuse_not_draft(version: CredentialTemplateVersion, what: str) -> None:
    if version.state != TemplateVersionState.DRAFT:
        raise ValidationError(
            NOT_A_DRAFT.format(number=version.number, state=version.get_state_display(), what=what)
        )


def version_assets(version: CredentialTemplateVersion) -> dict[str, bytes]:
    """The files a version's template may read, by name."""
    assets = {}
    for asset in version.assets.all():
        with asset.file.open("rb") as handle:
            assets[asset.name] = handle.read()
    return assets


def version_check(
    version: CredentialTemplateVersion, *, real_credentials: bool = False
) -> list[str]:
    """What stops `version` being activated: compile error with its line, or content problems
    with the sample data; with `real_credentials`, also a failure (an error, too long, too much
    memory) rendering a few real credentials of its type."""
    assets = version_assets(version)
    problems = check_template(
        source=version.source,
        credential_type=version.template.credential_type,
        assets=assets,
        renderer=get_renderer(),
    )
    if problems or not real_credentials:
        return problems
    return _real_data_problems(version, assets)


def _real_data_problems(version: CredentialTemplateVersion, assets: dict[str, bytes]):
    credentials = activation_sample(version.template, limit=ACTIVATION_SAMPLE)
    if not credentials:
        return []
    batch = DocumentBatch(credentials)
    for credential in credentials:
        try:
            get_renderer().render(
                source=version.source,
                data=issuance_context(batch.issuance(credential), preview=True),
                assets={**batch.assets, **assets},
                pdf_standard=ARCHIVE_STANDARD,
            )
        except TemplateError as error:
            name = credential.number or f"#{credential.pk}"
            return [REAL_DATA_FAILED.format(credential=name, error=error)]
    return []


def _store_problems(version: CredentialTemplateVersion) -> list[str]:
    problems = version_check(version)
    version.problems = "\n".join(problems)
    CredentialTemplateVersion.objects.filter(pk=version.pk).update(problems=version.problems)
    return problems


def _clean_source(source: str) -> str:
    source = (source or "").replace("\r\n", "\n")
    if not source.strip():
        raise ValidationError({"source": SOURCE_EMPTY})
    if len(source) > MAX_SOURCE_CHARS:
        raise ValidationError({"source": SOURCE_TOO_LONG.format(limit=MAX_SOURCE_CHARS)})
    return source


def _new_version(
    *, actor, template: CredentialTemplate, source: str, copy_from=None
) -> CredentialTemplateVersion:
    """A new draft version (the template row must be locked) with copies of `copy_from`'s files."""
    latest = template.versions.aggregate(n=Max("number"))["n"] or 0
    version = CredentialTemplateVersion(
        template=template,
        number=latest + 1,
        source=source,
        state=TemplateVersionState.DRAFT,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    version.full_clean()
    version.save()
    if copy_from is not None:
        # The stored files are shared, never changed: a version only ever adds or drops rows.
        TemplateAsset.objects.bulk_create(
            TemplateAsset(version=version, name=a.name, file=a.file.name, sha256=a.sha256)
            for a in copy_from.assets.all()
        )
    return version


def _create_template(*, actor, name: str, credential_type: str, description: str):
    template = CredentialTemplate(
        name=name.strip(), credential_type=credential_type, description=description.strip()
    )
    template.full_clean()
    template.save()
    return template


def template_create(
    *, actor, name: str, credential_type: str, description: str = ""
) -> CredentialTemplate:
    """A new template whose first draft version is the built-in source for its type."""
    _require(actor, PERM_ADD)
    with transaction.atomic():
        template = _create_template(
            actor=actor, name=name, credential_type=credential_type, description=description
        )
        version = _new_version(
            actor=actor, template=template, source=builtin_source(credential_type)
        )
        event_record(
            actor=actor,
            subject_type="credential_template",
            subject_id=template.pk,
            action="created",
            data={"name": template.name, "type": credential_type, "version": version.number},
        )
    _store_problems(version)
    return template


def template_copy(
    *, actor, template: CredentialTemplate, name: str, description: str = ""
) -> CredentialTemplate:
    """A new template starting from `template`'s active (else newest) version and its files."""
    _require(actor, PERM_ADD)
    source_version = template.active_version or template.versions.order_by("-number").first()
    with transaction.atomic():
        copy = _create_template(
            actor=actor,
            name=name,
            credential_type=template.credential_type,
            description=description or template.description,
        )
        version = _new_version(
            actor=actor,
            template=copy,
            source=source_version.source
            if source_version
            else builtin_source(copy.credential_type),
            copy_from=source_version,
        )
        event_record(
            actor=actor,
            subject_type="credential_template",
            subject_id=copy.pk,
            action="copied",
            data={
                "from_template": template.pk,
                "from_version": source_version.number if source_version else None,
                "version": version.number,
            },
        )
    _store_problems(version)
    return copy


def template_update(
    *, actor, template: CredentialTemplate, name: str, description: str, is_available: bool
) -> CredentialTemplate:
    """Rename, describe, or make a template (un)available for new requests."""
    _require(actor, PERM_CHANGE)
    with transaction.atomic():
        template = CredentialTemplate.objects.select_for_update().get(pk=template.pk)
        name, description = name.strip(), description.strip()
        if template.is_builtin and (name, description) != (template.name, template.description):
            raise ValidationError(BUILTIN_ONLY_AVAILABILITY)
        changed = [
            field
            for field, value in (
                ("name", name),
                ("description", description),
                ("is_available", is_available),
            )
            if getattr(template, field) != value
        ]
        if not changed:
            return template
        template.name, template.description, template.is_available = (
            name,
            description,
            is_available,
        )
        template.full_clean()
        template.save()
        event_record(
            actor=actor,
            subject_type="credential_template",
            subject_id=template.pk,
            action="updated",
            data={"fields": changed},
        )
    return template


def template_version_save(
    *, actor, template: CredentialTemplate, source: str, based_on=None
) -> CredentialTemplateVersion:
    """Save edited source as a new draft version, with the files of `based_on` (else the newest
    version). Its problems (a compile error with its line, or what is missing) are stored."""
    _require(actor, PERM_CHANGE)
    _refuse_builtin(template)
    source = _clean_source(source)
    with transaction.atomic():
        template = CredentialTemplate.objects.select_for_update().get(pk=template.pk)
        if based_on is None or based_on.template_id != template.pk:
            based_on = template.versions.order_by("-number").first()
        version = _new_version(actor=actor, template=template, source=source, copy_from=based_on)
        event_record(
            actor=actor,
            subject_type="credential_template",
            subject_id=template.pk,
            action="version_saved",
            to_state=TemplateVersionState.DRAFT,
            data={"version": version.number, "based_on": based_on.number if based_on else None},
        )
    _store_problems(version)
    return version


def template_version_activate(*, actor, version: CredentialTemplateVersion):
    """Activate a draft if its sample renders with everything its type needs and no USI.

    Returns the version: Active, or still Draft with `problems` saying what is missing. The
    previous active version is retired in the same transaction.
    """
    _require(actor, PERM_CHANGE)
    _refuse_builtin(version.template)
    _refuse_not_draft(version, "activated")
    problems = version_check(version, real_credentials=True)  # rendering: outside the transaction
    with transaction.atomic():
        template = CredentialTemplate.objects.select_for_update().get(pk=version.template_id)
        version = CredentialTemplateVersion.objects.select_for_update().get(pk=version.pk)
        _refuse_not_draft(version, "activated")
        version.problems = "\n".join(problems)
        if problems:
            version.save(update_fields=["problems"])
            return version
        previous = template.versions.filter(state=TemplateVersionState.ACTIVE).first()
        if previous:
            previous.state = TemplateVersionState.RETIRED
            previous.save(update_fields=["state"])
        version.state = TemplateVersionState.ACTIVE
        version.activated_at = timezone.now()
        version.save(update_fields=["state", "activated_at", "problems"])
        event_record(
            actor=actor,
            subject_type="credential_template",
            subject_id=template.pk,
            action="version_activated",
            from_state=f"v{previous.number}" if previous else "",
            to_state=f"v{version.number}",
            data={"version": version.number, "retired": previous.number if previous else None},
        )
    return version
