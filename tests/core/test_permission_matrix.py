"""Every view declares the permission it needs, and every role gets exactly what roles.py grants.

The explicit table below is the product rule written out by hand; the sweep checks every URL
in the project against every role, so a new view without a declaration fails here.
"""

from types import SimpleNamespace

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from testamur.accounts.models import User
from testamur.accounts.roles import Role
from testamur.core.models import EventLogVerification
from testamur.credentials.models import (
    CredentialEmail,
    EmailStatus,
    GenerationRun,
    RunKind,
    TemplateVersionState,
)
from testamur.organisation.models import Signatory
from testamur.qualifications.services import unit_equivalence_save
from testamur.reports.models import RegisterExport
from tests.factories import (
    course_make,
    credential_make,
    enrolment_make,
    learner_make,
    location_make,
    offer_make,
    organisation_configured,
    packaging_rule_make,
    qualification_enrolment_make,
    system_actor,
    unit_make,
    units_make,
)

# Views anyone may reach without signing in (or that Django's admin guards itself): the
# credential check an employer opens from a QR code, the JSON verifiers fetch, and the learner
# portal (which signs learners in itself, never as staff).
PUBLIC = {
    "login",
    "logout",
    "favicon",
    "verification:lookup",
    "verification:verify",
    "verification:verify_vc",
    "verification:verify_badge",
    "verification:issuer",
    "verification:did_document",
    "verification:did_document_under_path",
    "verification:verifier",
    "verification:credentials_verify",
    "verification:status_list",
    "verification:portal_start",
    "verification:portal_redeem",
    "verification:portal_home",
    "verification:portal_document",
    "verification:portal_vc",
    "verification:portal_badge",
    "verification:portal_email_consent",
    "verification:portal_sign_out",
}
# The REST API answers bearer tokens only, never the session these clients sign in with:
# tests/api/ checks each role's access to it through tokens instead.
SKIP_NAMESPACES = {"admin", "api-v1", "vc-api"}

ROLES = (Role.OWNER, Role.ADMIN, Role.USER)

# (url name, kwargs key, {role: may use it}) — the rule as an RTO would state it.
EXPECTED = [
    ("home", None, {Role.OWNER: True, Role.ADMIN: True, Role.USER: True}),
    ("learners:list", None, {Role.OWNER: True, Role.ADMIN: True, Role.USER: True}),
    ("learners:create", None, {Role.OWNER: True, Role.ADMIN: True, Role.USER: True}),
    ("learners:edit", "learner", {Role.OWNER: True, Role.ADMIN: True, Role.USER: True}),
    (
        "learners:toggle_active",
        "learner",
        {Role.OWNER: True, Role.ADMIN: True, Role.USER: False},
    ),
    ("training:unit_create", None, {Role.OWNER: True, Role.ADMIN: True, Role.USER: False}),
    ("training:course_create", None, {Role.OWNER: True, Role.ADMIN: True, Role.USER: False}),
    ("training:offer_create", None, {Role.OWNER: True, Role.ADMIN: True, Role.USER: False}),
    ("training:enrolment_edit", "enrolment", {Role.OWNER: True, Role.ADMIN: True, Role.USER: True}),
    (
        "training:enrolment_finalise",
        "enrolment",
        {Role.OWNER: True, Role.ADMIN: True, Role.USER: False},
    ),
    ("training:offer_finalise", "offer", {Role.OWNER: True, Role.ADMIN: True, Role.USER: False}),
    (
        "training:enrolment_transition",
        "enrolment",
        {Role.OWNER: True, Role.ADMIN: True, Role.USER: False},
    ),
    (
        "training:offer_unit_outcomes",
        "offer",
        {Role.OWNER: True, Role.ADMIN: True, Role.USER: True},
    ),
    (
        "training:enrolment_checklist",
        "enrolment",
        {Role.OWNER: True, Role.ADMIN: True, Role.USER: True},
    ),
    ("organisation:settings", None, {Role.OWNER: True, Role.ADMIN: False, Role.USER: False}),
    ("accounts:user_list", None, {Role.OWNER: True, Role.ADMIN: False, Role.USER: False}),
    ("accounts:user_create", None, {Role.OWNER: True, Role.ADMIN: False, Role.USER: False}),
    ("accounts:password_change", None, {Role.OWNER: True, Role.ADMIN: True, Role.USER: True}),
    ("credentials:register", None, {Role.OWNER: True, Role.ADMIN: True, Role.USER: True}),
    ("credentials:request", "enrolment", {Role.OWNER: True, Role.ADMIN: True, Role.USER: True}),
    ("credentials:preview", "credential", {Role.OWNER: True, Role.ADMIN: True, Role.USER: True}),
    ("credentials:issue", None, {Role.OWNER: True, Role.ADMIN: True, Role.USER: False}),
    ("credentials:cancel", "credential", {Role.OWNER: True, Role.ADMIN: True, Role.USER: False}),
    ("credentials:cancel_bulk", None, {Role.OWNER: True, Role.ADMIN: True, Role.USER: False}),
    ("credentials:reissue", "credential", {Role.OWNER: True, Role.ADMIN: True, Role.USER: False}),
    ("credentials:delete", "credential", {Role.OWNER: True, Role.ADMIN: True, Role.USER: False}),
    ("credentials:run_list", None, {Role.OWNER: True, Role.ADMIN: True, Role.USER: True}),
    ("credentials:template_list", None, {Role.OWNER: True, Role.ADMIN: True, Role.USER: True}),
    ("credentials:template_create", None, {Role.OWNER: True, Role.ADMIN: True, Role.USER: False}),
    (
        "credentials:template_detail",
        "template",
        {Role.OWNER: True, Role.ADMIN: True, Role.USER: True},
    ),
    (
        "credentials:template_edit",
        "template",
        {Role.OWNER: True, Role.ADMIN: True, Role.USER: False},
    ),
    (
        "credentials:template_version_activate",
        "template_version",
        {Role.OWNER: True, Role.ADMIN: True, Role.USER: False},
    ),
    (
        "credentials:template_asset_upload",
        "template_version",
        {Role.OWNER: True, Role.ADMIN: True, Role.USER: False},
    ),
    ("organisation:signing_key", None, {Role.OWNER: True, Role.ADMIN: False, Role.USER: False}),
    ("qualifications:list", None, {Role.OWNER: True, Role.ADMIN: True, Role.USER: True}),
    ("qualifications:rules", "course", {Role.OWNER: True, Role.ADMIN: True, Role.USER: True}),
    ("qualifications:rule_edit", "course", {Role.OWNER: True, Role.ADMIN: True, Role.USER: False}),
    ("qualifications:rule_load", "course", {Role.OWNER: True, Role.ADMIN: True, Role.USER: False}),
    ("qualifications:major_edit", "major", {Role.OWNER: True, Role.ADMIN: True, Role.USER: False}),
    (
        "qualifications:enrolment_audit",
        "qualification_enrolment",
        {Role.OWNER: True, Role.ADMIN: True, Role.USER: True},
    ),
    (
        "credentials:request_qualification",
        "qualification_enrolment",
        {Role.OWNER: True, Role.ADMIN: True, Role.USER: True},
    ),
    (
        "qualifications:learner_qualifications",
        "learner",
        {Role.OWNER: True, Role.ADMIN: True, Role.USER: True},
    ),
    ("credentials:email", "credential", {Role.OWNER: True, Role.ADMIN: True, Role.USER: False}),
    ("credentials:email_resend", "email", {Role.OWNER: True, Role.ADMIN: True, Role.USER: False}),
    (
        "credentials:email_resend_failed",
        None,
        {Role.OWNER: True, Role.ADMIN: True, Role.USER: False},
    ),
    ("credentials:email_list", None, {Role.OWNER: True, Role.ADMIN: True, Role.USER: True}),
    ("credentials:email_template", None, {Role.OWNER: True, Role.ADMIN: True, Role.USER: False}),
    ("reports:index", None, {Role.OWNER: True, Role.ADMIN: True, Role.USER: True}),
    ("reports:register", None, {Role.OWNER: True, Role.ADMIN: True, Role.USER: True}),
    ("reports:register_csv", None, {Role.OWNER: True, Role.ADMIN: True, Role.USER: True}),
    ("reports:register_xlsx", None, {Role.OWNER: True, Role.ADMIN: True, Role.USER: True}),
    ("reports:export_list", None, {Role.OWNER: True, Role.ADMIN: True, Role.USER: True}),
    (
        "reports:export_detail",
        "register_export",
        {Role.OWNER: True, Role.ADMIN: True, Role.USER: True},
    ),
    ("reports:register_pdf", None, {Role.OWNER: True, Role.ADMIN: True, Role.USER: True}),
    ("reports:clock", None, {Role.OWNER: True, Role.ADMIN: True, Role.USER: True}),
    ("reports:clock_send", None, {Role.OWNER: True, Role.ADMIN: True, Role.USER: False}),
    ("interchange:import", None, {Role.OWNER: True, Role.ADMIN: True, Role.USER: False}),
    (
        "interchange:job_detail",
        "import_job",
        {Role.OWNER: True, Role.ADMIN: True, Role.USER: False},
    ),
    ("interchange:job_run", "import_job", {Role.OWNER: True, Role.ADMIN: True, Role.USER: False}),
    (
        "interchange:avetmiss_export",
        None,
        {Role.OWNER: True, Role.ADMIN: True, Role.USER: False},
    ),
    ("api:token_list", None, {Role.OWNER: True, Role.ADMIN: True, Role.USER: True}),
    ("core:integrity", None, {Role.OWNER: True, Role.ADMIN: False, Role.USER: False}),
    ("core:integrity_verify", None, {Role.OWNER: True, Role.ADMIN: False, Role.USER: False}),
    ("core:integrity_checkpoint", None, {Role.OWNER: True, Role.ADMIN: False, Role.USER: False}),
    (
        "core:integrity_progress",
        "verification",
        {Role.OWNER: True, Role.ADMIN: False, Role.USER: False},
    ),
    ("reports:register_checkpoint", None, {Role.OWNER: True, Role.ADMIN: True, Role.USER: True}),
]


def _walk(resolver, namespace=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            if ns in SKIP_NAMESPACES:
                continue
            yield from _walk(entry, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


def all_views():
    return sorted(
        ((name, pattern) for name, pattern in _walk(get_resolver()) if name not in PUBLIC),
        key=lambda item: item[0],
    )


@pytest.fixture
def objects(db, make_user):
    organisation_configured()
    unit = unit_make()
    course = course_make(units=[unit])
    offer = offer_make(course, location=location_make())
    learner = learner_make()
    enrolment = enrolment_make(learner=learner, offer=offer)
    rule = packaging_rule_make(
        course,
        total=2,
        core=[unit.code],
        groups=[("E", "Electives", 0, ["TSTELE001"])],
        majors={"Main": {"core": ["TSTELE001"]}},
    )
    superseded = course_make(superseded_by=course)
    equivalence = unit_equivalence_save(
        actor=system_actor(),
        rule=rule,
        superseded_qualification=superseded,
        superseded_unit=units_make("TSTOLD001")[0],
        unit=unit,
    )
    credential = credential_make(enrolment)
    return {
        "learner": learner,
        "unit": unit,
        "course": course,
        "offer": offer,
        "location": offer.location,
        "enrolment": enrolment,
        "unit_enrolment": enrolment.unit_enrolments.first(),
        "signatory": Signatory.objects.first(),
        "user": make_user(Role.USER, "someone-else"),
        "credential": credential,
        "email": CredentialEmail.objects.create(
            credential=credential, to="x@example.com", status=EmailStatus.FAILED, error="Down"
        ),
        "run": GenerationRun.objects.create(kind=RunKind.PREVIEW),
        "import_job": _import_job(),
        "api_token": _api_token(),
        **_template_objects(),
        "qualification_enrolment": qualification_enrolment_make(learner, course, major="Main"),
        "group": rule.groups.get(),
        "major": rule.majors.get(),
        "equivalence": equivalence,
        "verification": EventLogVerification.objects.create(),
        # Someone else's export: the roles that may see the register get a 404, not a 403.
        "register_export": RegisterExport.objects.create(
            requested_by=User.objects.get(username="someone-else")
        ),
        # A checkpoint file's name (none is written here: the view answers 404 to those allowed).
        "checkpoint": SimpleNamespace(pk="event-log-20261123T000000000000Z-1.json"),
    }


def _template_objects() -> dict:
    """A custom template with a draft version holding one file (as an Admin would make it)."""
    from django.core.files.base import ContentFile

    from tests.factories import SAMPLE_SVG, template_make

    template = template_make("letter")
    version = template.versions.create(
        number=2, source=template.active_version.source, state=TemplateVersionState.DRAFT
    )
    asset = version.assets.create(name="logo.svg", sha256="0" * 64)
    asset.file.save("logo.svg", ContentFile(SAMPLE_SVG))
    return {"template": template, "template_version": version, "template_asset": asset}


def _import_job():
    """A spreadsheet import waiting for its columns to be matched."""
    from django.core.files.base import ContentFile

    from testamur.interchange.models import ImportJob

    job = ImportJob(kind="learners", original_name="learners.csv", file_format="csv")
    job.headers = ["Learner ID", "Given name", "Family name"]
    job.file.save("learners.csv", ContentFile(b"Learner ID,Given name,Family name\n"))
    return job


def _api_token():
    """Someone else's token: no one may revoke it but its owner."""
    from testamur.api.services import api_token_create

    token, _ = api_token_create(user=User.objects.get(username="someone-else"), name="Sync")
    return token


# Which object a URL's primary key refers to, by the start of the URL name.
PK_OWNER = [
    ("learners:", "learner"),
    ("qualifications:group_", "group"),
    ("qualifications:major_", "major"),
    ("qualifications:equivalence_", "equivalence"),
    ("qualifications:enrolment_", "qualification_enrolment"),
    ("qualifications:", "course"),
    ("training:unit_enrolment", "unit_enrolment"),
    ("training:unit", "unit"),
    ("training:course", "course"),
    ("training:offer", "offer"),
    ("training:location", "location"),
    ("training:enrolment", "enrolment"),
    ("organisation:signatory", "signatory"),
    ("organisation:signature_image", "signatory"),
    ("accounts:user", "user"),
    ("credentials:run", "run"),
    ("credentials:template_version", "template_version"),
    ("credentials:template_asset", "template_asset"),
    ("credentials:template", "template"),
    ("credentials:email_resend", "email"),
    ("credentials:request_issue_offer", "offer"),
    ("credentials:request_issue_qualification", "course"),
    ("credentials:request_qualification_bulk", "course"),
    ("credentials:request_qualification", "qualification_enrolment"),
    ("credentials:request_bulk", "offer"),
    ("credentials:request", "enrolment"),
    ("credentials:", "credential"),
    ("interchange:job", "import_job"),
    ("api:token", "api_token"),
    ("core:integrity_progress", "verification"),
    ("reports:export", "register_export"),
    ("core:checkpoint_file", "checkpoint"),
]


def _kwargs(name, pattern, objects):
    keys = list(pattern.pattern.regex.groupindex)
    if not keys:
        return {}
    for prefix, key in PK_OWNER:
        if name.startswith(prefix):
            return {keys[0]: objects[key].pk}
    raise AssertionError(f"{name} takes {keys}: add it to PK_OWNER in this test")


def test_only_the_listed_public_views_are_open_without_signing_in():
    marked = {
        name
        for name, pattern in _walk(get_resolver())
        if getattr(pattern.callback, "is_public", False)
    }
    assert marked == PUBLIC - {"login", "logout"}


def test_every_view_declares_its_permission():
    undeclared = [
        name
        for name, pattern in all_views()
        if not hasattr(pattern.callback, "required_permissions")
    ]
    assert undeclared == [], f"views without require_permission: {undeclared}"


def _status(client, url):
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url, {})
    return response.status_code


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
def test_each_role_against_each_view(role, role_client, objects):
    client = role_client(role)
    user = User.objects.get(pk=client.session["_auth_user_id"])
    wrong = []
    for name, pattern in all_views():
        url = reverse(name, kwargs=_kwargs(name, pattern, objects))
        allowed = user.has_perms(pattern.callback.required_permissions)
        status = _status(client, url)
        if status >= 500 or (status == 403) == allowed:
            wrong.append((name, status, "allowed" if allowed else "denied"))
    assert wrong == []


@pytest.mark.parametrize("name,key,expected", EXPECTED, ids=[row[0] for row in EXPECTED])
def test_the_product_rule(name, key, expected, role_client, objects):
    kwargs = {"pk": objects[key].pk} if key else {}
    for role in ROLES:
        status = _status(role_client(role), reverse(name, kwargs=kwargs))
        assert (status != 403) == expected[role], f"{role.value} on {name}: HTTP {status}"


def test_anonymous_visitors_are_sent_to_sign_in(client, objects):
    for name, pattern in all_views():
        response = client.get(reverse(name, kwargs=_kwargs(name, pattern, objects)))
        assert response.status_code in (302, 405), name
        if response.status_code == 302:
            assert response["Location"].startswith("/login/"), name
