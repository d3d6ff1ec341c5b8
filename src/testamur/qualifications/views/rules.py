"""Editing a qualification's packaging rules (Admins and Owners): the rule, elective groups,
majors, unit equivalences, or the whole rule from a CSV file."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from testamur.core.forms import form_add_service_errors
from testamur.core.permissions import require_permission
from testamur.qualifications import selectors, services
from testamur.qualifications.forms import (
    EquivalenceForm,
    GroupForm,
    MajorForm,
    RuleFileForm,
    RuleForm,
)
from testamur.qualifications.models import ElectiveGroup, Major, PackagingRule, UnitEquivalence
from testamur.qualifications.rule_file import COLUMNS, RuleFileError
from testamur.qualifications.views.qualifications import qualification_or_404

EDIT = "qualifications.change_packagingrule"

AUDITED_AGAIN = "Its enrolments were audited again."
RULE_SAVED = "Packaging rules of {code} saved. " + AUDITED_AGAIN
RULE_LOADED = "Packaging rules of {code} loaded from {name}. " + AUDITED_AGAIN
SAVED = "{what} saved. " + AUDITED_AGAIN
REMOVED = "{what} removed. " + AUDITED_AGAIN
REAUDIT_NONE = "No enrolment of {code} is audited again: it has none open."
REAUDIT_ONE = "1 enrolment of {code} will be audited again against the changed rules."
REAUDIT_MANY = "{count} enrolments of {code} will be audited again against the changed rules."
CONFIRM_GROUP = "Remove group {key}{name} and its {units} from the packaging rules of {code}?"
CONFIRM_MAJOR = "Remove the major {name} (its own core units and groups) from {code}?"
CONFIRM_CORE = "Remove {count} core unit{s} from {code}: {codes}?"
NO_RULE_YET = "Set up the packaging rules (total and core units) first."


def _rules_url(qualification) -> str:
    return reverse("qualifications:rules", args=[qualification.pk])


def _form_page(request, form, *, qualification, title, submit="Save", intro="", upload=False):
    rules_url = _rules_url(qualification)
    return render(
        request,
        "qualifications/form.html",
        {
            "form": form,
            "title": title,
            "submit": submit,
            "intro": intro,
            "upload": upload,
            "cancel_url": rules_url,
            "crumbs": [
                ("Qualifications", reverse("qualifications:list")),
                (qualification.code, reverse("qualifications:detail", args=[qualification.pk])),
                ("Packaging rules", rules_url),
            ],
        },
    )


def reaudit_text(qualification) -> str:
    count = selectors.reaudit_count(qualification)
    if count == 0:
        return REAUDIT_NONE.format(code=qualification.code)
    if count == 1:
        return REAUDIT_ONE.format(code=qualification.code)
    return REAUDIT_MANY.format(count=count, code=qualification.code)


def _confirm_page(request, qualification, *, title, what, submit, carry=()):
    rules_url = _rules_url(qualification)
    return render(
        request,
        "qualifications/confirm_change.html",
        {
            "title": title,
            "what": what,
            "submit": submit,
            "carry": carry,
            "action": request.get_full_path(),
            "reaudit_text": reaudit_text(qualification),
            "cancel_url": rules_url,
            "crumbs": [
                ("Qualifications", reverse("qualifications:list")),
                (qualification.code, reverse("qualifications:detail", args=[qualification.pk])),
                ("Packaging rules", rules_url),
            ],
        },
    )


def _confirmed(request) -> bool:
    return request.method == "POST" and request.POST.get("confirm") == "yes"


def _try(form, save) -> bool:
    """Run a service; show its refusal on the form. True when it succeeded."""
    try:
        save()
    except ValidationError as error:
        form_add_service_errors(form, error)
        return False
    return True


def _rule_or_redirect(request, qualification):
    rule = PackagingRule.objects.filter(qualification=qualification).first()
    if rule is None:
        messages.error(request, NO_RULE_YET)
    return rule


@require_permission(EDIT)
def rule_edit(request, pk: int):
    qualification = qualification_or_404(pk)
    rule = PackagingRule.objects.filter(qualification=qualification).first()
    form = RuleForm(request.POST or None, rule=rule)
    if request.method == "POST" and form.is_valid() and rule is not None:
        kept = {unit.code for unit in form.cleaned_data["core_units"]}
        removed = sorted(u.code for u in rule.core_units.all() if u.code not in kept)
        if removed and not _confirmed(request):
            return _confirm_page(
                request,
                qualification,
                title=f"Remove core units from {qualification.code}?",
                what=CONFIRM_CORE.format(
                    count=len(removed),
                    s="" if len(removed) == 1 else "s",
                    code=qualification.code,
                    codes=", ".join(removed),
                ),
                submit="Remove and audit again",
                carry=[(name, request.POST.get(name, "")) for name in form.fields],
            )
    if (
        request.method == "POST"
        and form.is_valid()
        and _try(
            form,
            lambda: services.packaging_rule_save(
                actor=request.user, qualification=qualification, **form.cleaned_data
            ),
        )
    ):
        messages.success(request, RULE_SAVED.format(code=qualification.code))
        return redirect("qualifications:rules", pk=qualification.pk)
    title = f"{'Edit' if rule else 'Set up'} the packaging rules of {qualification.code}"
    return _form_page(request, form, qualification=qualification, title=title)


@require_permission(EDIT)
def rule_load(request, pk: int):
    """Replace the whole rule with a CSV file: every bad line listed, nothing changed."""
    qualification = qualification_or_404(pk)
    form = RuleFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.packaging_rule_load(
                actor=request.user, qualification=qualification, content=upload.read()
            )
        except RuleFileError as error:
            form.add_error("file", error.messages)
        else:
            messages.success(request, RULE_LOADED.format(code=qualification.code, name=upload.name))
            return redirect("qualifications:rules", pk=qualification.pk)
    intro = (
        f"Replaces the whole packaging rule of {qualification.code}. Columns: "
        f"{', '.join(COLUMNS)}. Download the current rules from the rules tab for an example."
    )
    return _form_page(
        request,
        form,
        qualification=qualification,
        title=f"Load the packaging rules of {qualification.code} from a file",
        submit="Load rules",
        intro=intro,
        upload=True,
    )


@require_permission(EDIT)
def rules_group_add(request, pk: int):
    qualification = qualification_or_404(pk)
    rule = _rule_or_redirect(request, qualification)
    if rule is None:
        return redirect("qualifications:rules", pk=qualification.pk)
    return _group_page(request, rule, None)


@require_permission(EDIT)
def group_edit(request, pk: int):
    group = get_object_or_404(ElectiveGroup.objects.select_related("rule__qualification"), pk=pk)
    return _group_page(request, group.rule, group)


def _group_page(request, rule: PackagingRule, group: ElectiveGroup | None):
    qualification = rule.qualification
    form = GroupForm(request.POST or None, rule=rule, group=group)
    if (
        request.method == "POST"
        and form.is_valid()
        and _try(
            form,
            lambda: services.elective_group_save(
                actor=request.user, rule=rule, group=group, **form.cleaned_data
            ),
        )
    ):
        messages.success(request, SAVED.format(what=f"Group {form.cleaned_data['key']}"))
        return redirect("qualifications:rules", pk=qualification.pk)
    title = f"Edit group {group.key}" if group else f"Add an elective group to {qualification.code}"
    return _form_page(request, form, qualification=qualification, title=title)


@require_permission(EDIT)
def group_delete(request, pk: int):
    """Asks first, saying how many enrolments will be audited again; removes on confirming."""
    group = get_object_or_404(ElectiveGroup.objects.select_related("rule__qualification"), pk=pk)
    qualification = group.rule.qualification
    if not _confirmed(request):
        units = group.units.count()
        return _confirm_page(
            request,
            qualification,
            title=f"Remove group {group.key}?",
            what=CONFIRM_GROUP.format(
                key=group.key,
                name=f" ({group.name})" if group.name else "",
                units=f"{units} unit" if units == 1 else f"{units} units",
                code=qualification.code,
            ),
            submit=f"Remove group {group.key}",
        )
    try:
        services.elective_group_delete(actor=request.user, group=group)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, REMOVED.format(what=f"Group {group.key}"))
    return redirect("qualifications:rules", pk=qualification.pk)


@require_permission(EDIT)
def rules_major_add(request, pk: int):
    qualification = qualification_or_404(pk)
    rule = _rule_or_redirect(request, qualification)
    if rule is None:
        return redirect("qualifications:rules", pk=qualification.pk)
    return _major_page(request, rule, None)


@require_permission(EDIT)
def major_edit(request, pk: int):
    major = get_object_or_404(Major.objects.select_related("rule__qualification"), pk=pk)
    return _major_page(request, major.rule, major)


def _major_page(request, rule: PackagingRule, major: Major | None):
    qualification = rule.qualification
    form = MajorForm(request.POST or None, major=major)
    if (
        request.method == "POST"
        and form.is_valid()
        and _try(
            form,
            lambda: services.major_save(
                actor=request.user, rule=rule, major=major, **form.cleaned_data
            ),
        )
    ):
        messages.success(request, SAVED.format(what=f"Major {form.cleaned_data['name']}"))
        return redirect("qualifications:rules", pk=qualification.pk)
    title = f"Edit major {major.name}" if major else f"Add a major to {qualification.code}"
    intro = (
        "A major needs the qualification's own requirements plus these units; add groups "
        "for its electives with 'Add elective group', choosing this major."
    )
    return _form_page(request, form, qualification=qualification, title=title, intro=intro)


@require_permission(EDIT)
def major_delete(request, pk: int):
    """Asks first, saying how many enrolments will be audited again; removes on confirming."""
    major = get_object_or_404(Major.objects.select_related("rule__qualification"), pk=pk)
    qualification = major.rule.qualification
    if not _confirmed(request):
        return _confirm_page(
            request,
            qualification,
            title=f"Remove the major {major.name}?",
            what=CONFIRM_MAJOR.format(name=major.name, code=qualification.code),
            submit=f"Remove {major.name}",
        )
    try:
        services.major_delete(actor=request.user, major=major)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, REMOVED.format(what=f"Major {major.name}"))
    return redirect("qualifications:rules", pk=qualification.pk)


@require_permission(EDIT)
def rules_equivalence_add(request, pk: int):
    qualification = qualification_or_404(pk)
    rule = _rule_or_redirect(request, qualification)
    if rule is None:
        return redirect("qualifications:rules", pk=qualification.pk)
    form = EquivalenceForm(request.POST or None, qualification=qualification)
    if (
        request.method == "POST"
        and form.is_valid()
        and _try(
            form,
            lambda: services.unit_equivalence_save(
                actor=request.user, rule=rule, **form.cleaned_data
            ),
        )
    ):
        messages.success(request, SAVED.format(what="Unit mapping"))
        return redirect("qualifications:rules", pk=qualification.pk)
    intro = (
        f"A unit of a qualification superseded by {qualification.code} that counts as one of "
        f"its units. Set 'Superseded by' on the old course first."
    )
    return _form_page(
        request,
        form,
        qualification=qualification,
        title=f"Map a superseded unit to {qualification.code}",
        intro=intro,
    )


@require_permission(EDIT)
@require_POST
def equivalence_delete(request, pk: int):
    mapping = get_object_or_404(
        UnitEquivalence.objects.select_related("rule__qualification", "superseded_unit", "unit"),
        pk=pk,
    )
    qualification = mapping.rule.qualification
    try:
        services.unit_equivalence_delete(actor=request.user, equivalence=mapping)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, REMOVED.format(what=f"Mapping {mapping}"))
    return redirect("qualifications:rules", pk=qualification.pk)
