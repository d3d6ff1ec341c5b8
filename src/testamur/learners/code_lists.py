"""The AVETMISS code lists a learner's details use, one table each, loaded from data/*.csv.

`code_lists_sync` runs after every migrate (and flush), like the outcome codes, and adds the
shipped codes a table lacks. `code_list_load` (`manage.py load_code_list`) makes a table match
a list, such as the full country and language files NCVER publishes: codes are added, labels
follow the file, and a code the file no longer has is kept but marked retired, so learners
who hold it keep it.
"""

import csv
import io
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

DATA = Path(__file__).resolve().parent / "data"

# list name → (model name, code length)
CODE_LISTS = {
    "school_level": ("SchoolLevel", 2),
    "indigenous_status": ("IndigenousStatus", 1),
    "language": ("Language", 4),
    "english_proficiency": ("EnglishProficiency", 1),
    "labour_force_status": ("LabourForceStatus", 2),
    "country": ("Country", 4),
    "disability_type": ("DisabilityType", 2),
    "prior_education_type": ("PriorEducationType", 3),
}

NO_CODE_COLUMNS = "The file needs a header row with 'code' and 'label' columns."
BAD_CODE = "Line {line}: '{code}' is not a {length}-character code."
NO_LABEL = "Line {line}: code {code} has no label."
EMPTY_LIST = "The file lists no codes."


def _rows(text: str, length: int) -> list[tuple[str, str]]:
    reader = csv.DictReader(io.StringIO(text))
    fields = {name.strip().lower(): name for name in reader.fieldnames or []}
    if "code" not in fields or "label" not in fields:
        raise ValidationError(NO_CODE_COLUMNS)
    rows, problems = [], []
    for line, row in enumerate(reader, start=2):
        code = (row[fields["code"]] or "").strip().zfill(length)
        label = (row[fields["label"]] or "").strip()
        if len(code) != length or not code.isalnum():
            problems.append(BAD_CODE.format(line=line, code=code, length=length))
        elif not label:
            problems.append(NO_LABEL.format(line=line, code=code))
        else:
            rows.append((code, label))
    if problems:
        raise ValidationError(problems)
    if not rows:
        raise ValidationError(EMPTY_LIST)
    return rows


def _model(apps, name: str):
    model_name, _ = CODE_LISTS[name]
    if apps is None:
        from django.apps import apps as installed

        return installed.get_model("learners", model_name)
    return apps.get_model("learners", model_name)


def code_list_load(name: str, text: str, *, apps=None, using: str = "default") -> dict:
    """Make the table match the list; return how many codes were added, changed, retired."""
    model = _model(apps, name)
    rows = _rows(text, CODE_LISTS[name][1])
    listed = dict(rows)
    counts = {"added": 0, "changed": 0, "retired": 0}
    with transaction.atomic(using=using):
        existing = {entry.code: entry for entry in model.objects.using(using).all()}
        new = [model(code=c, label=label) for c, label in rows if c not in existing]
        model.objects.using(using).bulk_create(new)
        counts["added"] = len(new)
        changed = []
        for code, entry in existing.items():
            current = code in listed
            label = listed.get(code, entry.label)
            if entry.label != label or entry.is_current != current:
                counts["changed" if current else "retired"] += 1
                entry.label, entry.is_current = label, current
                changed.append(entry)
        model.objects.using(using).bulk_update(changed, ["label", "is_current"])
    return counts


def code_lists_sync(*, apps=None, using: str = "default") -> None:
    """Load every shipped list (a fuller list loaded by hand keeps its extra codes)."""
    for name in CODE_LISTS:
        model = _model(apps, name)
        rows = _rows((DATA / f"{name}.csv").read_text(encoding="utf-8"), CODE_LISTS[name][1])
        existing = dict(model.objects.using(using).values_list("code", "label"))
        new = [model(code=c, label=label) for c, label in rows if c not in existing]
        model.objects.using(using).bulk_create(new)
