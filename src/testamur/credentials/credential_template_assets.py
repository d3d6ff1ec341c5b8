"""The files of a credential template version: uploading and removing images and fonts.

A draft may still gain or lose assets until it is activated; each file is checked to be what
its name says (PNG, safe SVG, TTF/OTF font) and must not shadow the organisation's own logos
and signatures. The version's problems are checked again after each change.
"""

import hashlib
import re
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from testamur.core.events import event_record
from testamur.core.uploads import validate_image_upload
from testamur.credentials.credential_templates import (
    PERM_CHANGE,
    _refuse_builtin,
    _refuse_not_draft,
    _require,
    _store_problems,
)
from testamur.credentials.models import CredentialTemplateVersion, TemplateAsset
from testamur.credentials.rendering.engine import ASSET_NAME, ASSET_NAME_REFUSED

ASSET_EXTENSION = (
    "Name the file {name!r} with the ending of what it is: .png or .svg for images, .ttf or "
    ".otf for fonts."
)
ASSET_KIND_MISMATCH = "{name!r} is named as a {named} file but it is a {kind} file."
ASSET_RESERVED = (
    "{name!r} is reserved for the RTO's own logo, the official NRT and AQF logos and signatures "
    "(set them in Settings): choose another name."
)
FONT_NOT_VALID = "This is not a TrueType (.ttf) or OpenType (.otf) font file."
FONT_TOO_LARGE = "The font file is larger than {limit} MB."
TOO_MANY_ASSETS = "A template version can hold at most {limit} files."

MAX_FONT_BYTES = 8 * 1024 * 1024
MAX_ASSETS = 40
MAX_ASSET_NAME = TemplateAsset._meta.get_field("name").max_length
# The organisation's logos and signature images reach templates under these names
# (documents.organisation_assets); a template file must not shadow them. The official NRT and
# AQF artwork is one upload in Settings, so the issue gate can tell it from the placeholder.
_RESERVED = re.compile(r"(rto-logo|nrt-logo|aqf-logo|signature-\d+)\.[A-Za-z]+", re.IGNORECASE)
_IMAGE_SUFFIXES = {".png": "png", ".svg": "svg"}
_FONT_MAGIC = {".ttf": (b"\x00\x01\x00\x00", b"true"), ".otf": (b"OTTO",)}


def asset_name_for(upload, name: str = "") -> str:
    """The name a file gets in the template: as given, else the upload's own name made safe."""
    name = (name or "").strip()
    if name:
        return name
    base = PurePath(upload.name or "file").name
    return re.sub(r"[^A-Za-z0-9._-]+", "-", base).lstrip("._-")[-MAX_ASSET_NAME:] or "file"


def _asset_kind(upload, name: str) -> str:
    """'png', 'svg' or 'font' when the content is what the name says; else ValidationError."""
    if not ASSET_NAME.fullmatch(name) or len(name) > MAX_ASSET_NAME:
        raise ValidationError({"name": ASSET_NAME_REFUSED.format(name=name)})
    if _RESERVED.fullmatch(name):
        raise ValidationError({"name": ASSET_RESERVED.format(name=name)})
    suffix = PurePath(name).suffix.lower()
    if suffix in _FONT_MAGIC:
        if upload.size > MAX_FONT_BYTES:
            raise ValidationError({"file": FONT_TOO_LARGE.format(limit=MAX_FONT_BYTES >> 20)})
        upload.seek(0)
        head = upload.read(4)
        upload.seek(0)
        if head not in _FONT_MAGIC[suffix]:
            raise ValidationError({"file": FONT_NOT_VALID})
        return "font"
    if suffix not in _IMAGE_SUFFIXES:
        raise ValidationError({"name": ASSET_EXTENSION.format(name=name)})
    try:
        kind = validate_image_upload(upload)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from exc
    if kind != _IMAGE_SUFFIXES[suffix]:
        raise ValidationError(
            {
                "file": ASSET_KIND_MISMATCH.format(
                    name=name, named=_IMAGE_SUFFIXES[suffix].upper(), kind=kind.upper()
                )
            }
        )
    return kind


def template_asset_upload(
    *, actor, version: CredentialTemplateVersion, upload, name: str = ""
) -> TemplateAsset:
    """Add a file (PNG, safe SVG, TTF/OTF font) to a draft version; one of the same name is
    replaced. The version's problems are checked again (a missing file may now be there)."""
    _require(actor, PERM_CHANGE)
    _refuse_builtin(version.template)
    name = asset_name_for(upload, name)
    _asset_kind(upload, name)
    upload.seek(0)
    data = upload.read()
    with transaction.atomic():
        version = CredentialTemplateVersion.objects.select_for_update().get(pk=version.pk)
        _refuse_not_draft(version, "changed")
        replaced = version.assets.filter(name=name).first()
        if replaced is None and version.assets.count() >= MAX_ASSETS:
            raise ValidationError({"file": TOO_MANY_ASSETS.format(limit=MAX_ASSETS)})
        if replaced is not None:
            _asset_remove(replaced)
        asset = TemplateAsset(version=version, name=name, sha256=hashlib.sha256(data).hexdigest())
        asset.file.save(name, ContentFile(data), save=False)
        asset.full_clean()
        asset.save()
        event_record(
            actor=actor,
            subject_type="credential_template",
            subject_id=version.template_id,
            action="asset_uploaded",
            data={"version": version.number, "name": name, "sha256": asset.sha256},
        )
    _store_problems(version)
    return asset


def _asset_remove(asset: TemplateAsset) -> None:
    stored = asset.file.name
    asset.delete()
    # Other versions may share the stored file (copies share it): delete it only when unused.
    if not TemplateAsset.objects.filter(file=stored).exists():
        storage = TemplateAsset._meta.get_field("file").storage
        transaction.on_commit(lambda: storage.delete(stored))


def template_asset_delete(*, actor, asset: TemplateAsset) -> CredentialTemplateVersion:
    """Take a file off a draft version."""
    _require(actor, PERM_CHANGE)
    version = asset.version
    _refuse_builtin(version.template)
    with transaction.atomic():
        version = CredentialTemplateVersion.objects.select_for_update().get(pk=version.pk)
        _refuse_not_draft(version, "changed")
        asset = TemplateAsset.objects.get(pk=asset.pk)
        _asset_remove(asset)
        event_record(
            actor=actor,
            subject_type="credential_template",
            subject_id=version.template_id,
            action="asset_removed",
            data={"version": version.number, "name": asset.name},
        )
    _store_problems(version)
    return version


def upload_limits() -> dict:
    """The upload limits, for the page's help text."""
    return {
        "image_kb": settings.MAX_IMAGE_UPLOAD_BYTES // 1024,
        "font_mb": MAX_FONT_BYTES >> 20,
        "assets": MAX_ASSETS,
    }
