"""Every write to the RTO's settings and its signatories. Each records an event.

Uploaded images are checked here (PNG or safe SVG only) so the web form, the API and any
command share one rule.
"""

import re

from django.core.exceptions import ValidationError
from django.db import transaction

from testamur.accounts.selectors import user_list_issuing_officers
from testamur.core.events import event_record
from testamur.core.uploads import validate_image_upload
from testamur.organisation.hooks import training_facts
from testamur.organisation.models import Organisation, Signatory
from testamur.organisation.selectors import organisation_time_zone_forget

ABN_CHECK_FAILED = "This ABN is not valid: its check digits do not add up. Check it on abr.gov.au."
ISSUING_OFFICER_NOT_ALLOWED = "The default issuing officer must be an active Admin or Owner."
INACTIVE_RULE_BAD_STATUS = (
    "Only the statuses of a finished enrolment can make a learner inactive; {value} is not one."
)
PLACEHOLDER_UPLOADED = (
    "This is the placeholder artwork that comes with Testamur, not the official {name}. Upload "
    "the official artwork you are licensed to use."
)
OFFICIAL_LOGOS = {"nrt_logo": "NRT logo", "aqf_logo": "AQF logo"}
JURISDICTION_IN_USE = (
    "Outcomes are already recorded using the {current} outcome codes, so the jurisdiction "
    "cannot change now."
)

ORGANISATION_FIELDS = [
    "legal_name",
    "trading_name",
    "rto_code",
    "abn",
    "address_line",
    "suburb",
    "state",
    "postcode",
    "email",
    "phone",
    "website",
    "jurisdiction",
    "time_zone",
    "credential_number_prefix",
    "credential_number_digits",
    "usi_gate",
    "default_issuing_officer",
    "learner_inactive_statuses",
]
SIGNATORY_FIELDS = ["name", "title", "is_active"]

_ABN_WEIGHTS = (10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19)


def abn_normalise(value: str) -> str:
    """ABNs are usually written "51 824 753 556"; store the 11 digits only."""
    return re.sub(r"\s+", "", value or "")


def abn_is_valid(abn: str) -> bool:
    """The ATO's check: subtract 1 from the first digit; the weighted sum divides by 89."""
    if not re.fullmatch(r"\d{11}", abn):
        return False
    digits = [int(c) for c in abn]
    digits[0] -= 1
    return sum(w * d for w, d in zip(_ABN_WEIGHTS, digits, strict=True)) % 89 == 0


def _apply(instance, data: dict) -> list[str]:
    changed = []
    for name, value in data.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return changed


def _check_image(upload, errors: dict, field: str) -> str:
    """'png' or 'svg' for an acceptable upload; '' when there is none or it is refused."""
    if upload is None:
        return ""
    try:
        return validate_image_upload(upload)
    except ValidationError as exc:
        errors.setdefault(field, []).extend(exc.messages)
        return ""


def _full_clean(instance, errors: dict) -> None:
    try:
        instance.full_clean()
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _check_official_logo(upload, errors: dict, field: str) -> str:
    """As _check_image, and refuses the built-in placeholder uploaded back as if official."""
    kind = _check_image(upload, errors, field)
    if kind == "svg":
        upload.seek(0)
        is_placeholder = b"logo placeholder" in upload.read().lower()
        upload.seek(0)
        if is_placeholder:
            errors.setdefault(field, []).append(
                PLACEHOLDER_UPLOADED.format(name=OFFICIAL_LOGOS[field])
            )
            return ""
    return kind


@transaction.atomic
def organisation_update(
    *, actor, logo=None, nrt_logo=None, aqf_logo=None, **fields
) -> Organisation:
    """Change the RTO's settings. `logo`, `nrt_logo` and `aqf_logo` are uploaded files, or None
    to keep the current one."""
    unknown = set(fields) - set(ORGANISATION_FIELDS)
    if unknown:
        raise TypeError(f"organisation_update() got unknown fields: {sorted(unknown)}")
    Organisation.load()
    organisation = Organisation.objects.select_for_update().get(id=1)
    old_jurisdiction = organisation.get_jurisdiction_display()
    if "abn" in fields:
        fields["abn"] = abn_normalise(fields["abn"])
    changed = _apply(organisation, fields)

    errors: dict[str, list[str]] = {}
    # A malformed ABN is reported by the field's own validator; only check well-formed ones.
    abn = organisation.abn
    if "abn" in changed and re.fullmatch(r"\d{11}", abn) and not abn_is_valid(abn):
        errors["abn"] = [ABN_CHECK_FAILED]
    officer = organisation.default_issuing_officer
    if (
        "default_issuing_officer" in changed
        and officer is not None
        and not user_list_issuing_officers().filter(pk=officer.pk).exists()
    ):
        errors["default_issuing_officer"] = [ISSUING_OFFICER_NOT_ALLOWED]
    if "jurisdiction" in changed and _outcomes_recorded_outside(organisation.jurisdiction):
        errors["jurisdiction"] = [JURISDICTION_IN_USE.format(current=old_jurisdiction)]
    if "learner_inactive_statuses" in changed:
        bad = _statuses_not_finished(organisation.learner_inactive_statuses)
        if bad:
            errors["learner_inactive_statuses"] = [INACTIVE_RULE_BAD_STATUS.format(value=bad[0])]
    uploads = {
        "logo": (logo, _check_image(logo, errors, "logo")),
        "nrt_logo": (nrt_logo, _check_official_logo(nrt_logo, errors, "nrt_logo")),
        "aqf_logo": (aqf_logo, _check_official_logo(aqf_logo, errors, "aqf_logo")),
    }
    _full_clean(organisation, errors)

    for field, (upload, kind) in uploads.items():
        if kind:
            # Named after what the content is, not what the uploader called it.
            name = field.replace("_", "-")
            getattr(organisation, field).save(f"{name}.{kind}", upload, save=False)
            changed.append(field)
    if not changed:
        return organisation
    organisation.save()
    if "time_zone" in changed:
        organisation_time_zone_forget()
        transaction.on_commit(organisation_time_zone_forget)
    event_record(
        actor=actor,
        subject_type="organisation",
        subject_id=organisation.pk,
        action="updated",
        data={"fields": changed},
    )
    return organisation


def _outcomes_recorded_outside(jurisdiction: str) -> bool:
    return training_facts().outcomes_recorded_outside(jurisdiction)


def _statuses_not_finished(values) -> list[str]:
    if not isinstance(values, list):
        return [str(values)]
    finished = {value for value, _label in training_facts().finished_statuses()}
    return [str(value) for value in values if value not in finished]


@transaction.atomic
def signatory_create(
    *, actor, name: str, title: str, signature=None, is_active: bool = True
) -> Signatory:
    signatory = Signatory(name=name, title=title, is_active=is_active)
    errors: dict[str, list[str]] = {}
    kind = _check_image(signature, errors, "signature")
    _full_clean(signatory, errors)
    if kind:
        signatory.signature.save(f"signature.{kind}", signature, save=False)
    signatory.save()
    event_record(
        actor=actor,
        subject_type="signatory",
        subject_id=signatory.pk,
        action="created",
        to_state="active" if is_active else "inactive",
    )
    return signatory


@transaction.atomic
def signatory_update(*, actor, signatory: Signatory, signature=None, **fields) -> Signatory:
    """Change a signatory. Signatories are never deleted: set is_active=False instead."""
    unknown = set(fields) - set(SIGNATORY_FIELDS)
    if unknown:
        raise TypeError(f"signatory_update() got unknown fields: {sorted(unknown)}")
    signatory = Signatory.objects.select_for_update().get(pk=signatory.pk)
    was_active = signatory.is_active
    changed = _apply(signatory, fields)
    errors: dict[str, list[str]] = {}
    kind = _check_image(signature, errors, "signature")
    _full_clean(signatory, errors)
    if kind:
        signatory.signature.save(f"signature.{kind}", signature, save=False)
        changed.append("signature")
    if not changed:
        return signatory
    signatory.save()
    state = {True: "active", False: "inactive"}
    event_record(
        actor=actor,
        subject_type="signatory",
        subject_id=signatory.pk,
        action="updated",
        from_state=state[was_active] if "is_active" in changed else "",
        to_state=state[signatory.is_active] if "is_active" in changed else "",
        data={"fields": changed},
    )
    return signatory
