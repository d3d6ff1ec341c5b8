"""The qualification list and a qualification's tabs: enrolments (with the bulk bar),
packaging rules, credentials."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from testamur.core.forms import posted_ids
from testamur.core.paging import paginate
from testamur.core.permissions import require_permission
from testamur.core.spreadsheets import csv_writer
from testamur.qualifications import selectors, services
from testamur.qualifications.audit import rule_problems
from testamur.qualifications.forms import EnrolmentFilterForm
from testamur.qualifications.rule_file import rule_file_rows
from testamur.training.forms import SearchForm
from testamur.training.models import Course, CourseType

VIEW = "qualifications.view_qualificationenrolment"
VIEW_RULES = "qualifications.view_packagingrule"
AUDIT = "qualifications.audit_qualificationenrolment"
REQUEST = "credentials.request_credential"

BULK_NO_ACTION = "Choose an action for the selected enrolments."
BULK_NONE_SELECTED = "Select at least one enrolment first."
BULK_IGNORED = "{count} selected enrolment(s) are not in this qualification and were ignored."
NO_ENROLMENTS = "No learners are enrolled in this qualification yet."
NO_MATCHES = "No enrolments match these filters."
NO_CREDENTIALS = (
    "No credentials have been requested from this qualification's enrolments yet. Tick Ready "
    "to be Requested enrolments on the Enrolments tab and choose Request credentials."
)

# Bulk bar: action -> (label, permission).
BULK_ACTIONS = {
    "audit": ("Audit", AUDIT),
    "request": ("Request credentials", REQUEST),
    "request_issue": ("Request and issue", "credentials.issue_credential"),
}


def qualification_or_404(pk: int) -> Course:
    return get_object_or_404(
        Course.objects.select_related("packaging_rule", "superseded_by"),
        pk=pk,
        course_type=CourseType.QUALIFICATION,
    )


def _page(request, qualification: Course, tab: str, template: str, **context):
    return render(
        request,
        template,
        {
            "qualification": qualification,
            "rule": getattr(qualification, "packaging_rule", None),
            "tab": tab,
            **context,
        },
    )


@require_permission(VIEW)
def qualification_list(request):
    search = SearchForm(request.GET or None)
    q = search.cleaned_data.get("q", "") if search.is_valid() else ""
    page_obj = paginate(selectors.qualification_list(search=q), request.GET.get("page"))
    return render(
        request, "qualifications/qualification_list.html", {"search": search, "page_obj": page_obj}
    )


@require_permission(VIEW)
def detail(request, pk: int):
    """The Enrolments tab: filters, the table and the bulk bar."""
    qualification = qualification_or_404(pk)
    filters = EnrolmentFilterForm(request.GET or None)
    values = filters.cleaned_data if filters.is_valid() else {}
    enrolments = selectors.qualification_enrolments(
        qualification=qualification,
        status=values.get("status", ""),
        outcome=values.get("outcome", ""),
        search=values.get("q", ""),
    )
    filtered = any(values.get(name) for name in ("status", "outcome", "q"))
    return _page(
        request,
        qualification,
        "enrolments",
        "qualifications/qualification_enrolments.html",
        filters=filters,
        page_obj=paginate(enrolments, request.GET.get("page")),
        counts=selectors.status_counts(qualification=qualification),
        bulk_actions=[
            (name, label)
            for name, (label, perm) in BULK_ACTIONS.items()
            if request.user.has_perm(perm)
        ],
        empty=NO_MATCHES if filtered else NO_ENROLMENTS,
    )


@require_permission(VIEW)
@require_POST
def bulk(request, pk: int):
    """Audit, or go on to request credentials for, the ticked enrolments."""
    qualification = qualification_or_404(pk)
    back = redirect("qualifications:detail", pk=qualification.pk)
    name = request.POST.get("action", "")
    if name not in BULK_ACTIONS:
        messages.error(request, BULK_NO_ACTION)
        return back
    if not request.user.has_perm(BULK_ACTIONS[name][1]):
        raise PermissionDenied
    posted = set(request.POST.getlist("enrolment"))
    enrolments = selectors.qualification_enrolments_selected(
        qualification=qualification, ids=posted_ids(list(posted))
    )
    if len(posted) > len(enrolments):
        messages.warning(request, BULK_IGNORED.format(count=len(posted) - len(enrolments)))
    if not enrolments:
        messages.error(request, BULK_NONE_SELECTED)
        return back
    if name in ("request", "request_issue"):
        page = {
            "request": "credentials:request_qualification_bulk",
            "request_issue": "credentials:request_issue_qualification",
        }[name]
        query = urlencode([("enrolment", enrolment.pk) for enrolment in enrolments])
        return redirect(f"{reverse(page, args=[qualification.pk])}?{query}")
    tally = services.qualification_enrolments_audit(actor=request.user, enrolments=enrolments)
    (messages.warning if tally.skipped else messages.success)(request, tally.summary())
    return back


@require_permission(VIEW, VIEW_RULES)
def rules(request, pk: int):
    """The Packaging rules tab: the rule as the audit reads it, with its editing buttons."""
    qualification = qualification_or_404(pk)
    rule = selectors.rule_for_page(qualification)
    context = {"rule": rule}
    if rule is not None:
        majors = {major.pk: major for major in rule.major_list}
        context.update(
            own_groups=[g for g in rule.group_list if g.major_id is None],
            majors=[
                (major, [g for g in rule.group_list if g.major_id == major.pk])
                for major in majors.values()
            ],
            unfinished=[p.message for p in rule_problems(selectors.rule_spec(rule))],
            electives=max(0, rule.units_required - len(rule.core_list)),
            in_words=selectors.rule_in_words(rule),
        )
    return _page(
        request,
        qualification,
        "rules",
        "qualifications/qualification_rules.html",
        supersedes=qualification.supersedes.order_by("code"),
        **context,
    )


@require_permission(VIEW, VIEW_RULES)
def rules_download(request, pk: int):
    qualification = qualification_or_404(pk)
    rule = selectors.rule_for_page(qualification)
    if rule is None:
        messages.error(request, f"{qualification.code} has no packaging rules to download yet.")
        return redirect("qualifications:rules", pk=qualification.pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"{qualification.code}-packaging-rules.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    csv_writer(response).writerows(rule_file_rows(rule))
    return response


@require_permission(VIEW, "credentials.view_credential")
def credentials(request, pk: int):
    qualification = qualification_or_404(pk)
    return _page(
        request,
        qualification,
        "credentials",
        "qualifications/qualification_credentials.html",
        empty_message=NO_CREDENTIALS,
    )
