"""The credential table on other apps' pages (learner, course enrolment, course offer), and
small filters for the credential pages."""

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from testamur.credentials import selectors
from testamur.credentials.gates import Fix, fix_label, fix_url
from testamur.credentials.views.common import NO_CREDENTIALS, VIEW
from testamur.credentials.views.common import credential_table as table_context

register = template.Library()


@register.inclusion_tag("credentials/_table.html", takes_context=True)
def credential_table(
    context,
    *,
    learner=None,
    offer=None,
    enrolment=None,
    qualification_enrolment=None,
    course=None,
    empty="",
):
    """The same table as the register, narrowed to a learner, offer, enrolment or course."""
    request = context["request"]
    shared = {"request": request, "perms": context.get("perms")}
    shared["csrf_token"] = context.get("csrf_token")
    if not request.user.has_perm(VIEW):
        return {**shared, "hidden": True}
    if enrolment is not None:
        query = {"q": enrolment.learner.client_id, "offer": enrolment.offer_id}
    elif qualification_enrolment is not None:
        learner_id = qualification_enrolment.learner.client_id
        query = {"q": learner_id, "course": qualification_enrolment.qualification_id}
    elif offer is not None:
        query = {"offer": offer.pk}
    elif course is not None:
        query = {"course": course.pk}
    else:
        query = {"q": learner.client_id}
    credentials = selectors.credential_list(
        learner=learner,
        offer=offer,
        enrolment=enrolment,
        qualification_enrolment=qualification_enrolment,
        course=course,
    )
    table = table_context(request, credentials, empty=empty or NO_CREDENTIALS, register_query=query)
    return {**shared, **table}


@register.filter
def dotted_breaks(value: str):
    """`data.organisation.name` with line-break opportunities after each dot (editor key list)."""
    return mark_safe(".<wbr>".join(conditional_escape(part) for part in str(value).split(".")))  # noqa: S308 - every part is escaped


@register.simple_tag
def fix_link(reason, credential):
    """A link to the page that puts a gate's reason right (gates.Fix), e.g. Settings."""
    fix = getattr(reason, "fix", Fix.CREDENTIAL)
    if fix == Fix.CREDENTIAL:
        return ""  # the row or page already leads to the credential
    return format_html('<a class="fix" href="{}">{}</a>', fix_url(fix, credential), fix_label(fix))
