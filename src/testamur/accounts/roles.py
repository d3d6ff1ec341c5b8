"""The three roles and exactly what each may do. This is the one place the rule lives.

Owner manages settings and users and can do everything an Admin can. Admin can do everything
with learners, training and credentials, including issue and cancel. User can view, edit
learners and enrolments, request and preview credentials, but not issue or cancel.

Register reports and the 30-day clock report show what the register already shows, so they
need no permission of their own: `credentials.view_credential` (every role). Emailing a
credential sends it outside the RTO, so it is an Admin's job like issuing it.
"""

from django.db import models


class Role(models.TextChoices):
    OWNER = "Owner", "Owner"
    ADMIN = "Admin", "Admin"
    USER = "User", "User"


USER_PERMISSIONS = [
    "learners.view_learner",
    "learners.add_learner",
    "learners.change_learner",
    "training.view_unit",
    "training.view_course",
    "training.view_courseoffer",
    "training.view_deliverylocation",
    "training.view_outcomecode",
    "training.view_courseenrolment",
    "training.add_courseenrolment",
    "training.change_courseenrolment",
    "training.view_unitenrolment",
    "training.add_unitenrolment",
    "training.change_unitenrolment",
    "organisation.view_organisation",
    "qualifications.view_packagingrule",
    "qualifications.view_qualificationenrolment",
    "qualifications.add_qualificationenrolment",
    "qualifications.change_qualificationenrolment",
    "qualifications.audit_qualificationenrolment",
    "credentials.view_credential",
    "credentials.request_credential",
    "credentials.view_credentialtemplate",
    "credentials.view_generationrun",
    "credentials.view_credentialemail",
    "reports.view_clockdigest",
    # Everyone may have personal API tokens; a token acts with its owner's role.
    "api.view_apitoken",
    "api.add_apitoken",
    "api.change_apitoken",
]

ADMIN_PERMISSIONS = [
    *USER_PERMISSIONS,
    # Marking a learner inactive finalises them (how-to-finalise-a-learner): an Admin's call.
    "learners.set_active_learner",
    "training.add_unit",
    "training.change_unit",
    "training.add_course",
    "training.change_course",
    "training.add_courseoffer",
    "training.change_courseoffer",
    "training.add_deliverylocation",
    "training.change_deliverylocation",
    "training.finalise_courseenrolment",
    "core.view_event",
    "qualifications.add_packagingrule",
    "qualifications.change_packagingrule",
    "credentials.issue_credential",
    "credentials.cancel_credential",
    "credentials.delete_credential",
    "credentials.add_credentialtemplate",
    "credentials.change_credentialtemplate",
    "credentials.email_credential",
    "credentials.view_credentialemailtemplate",
    "credentials.change_credentialemailtemplate",
    # Send today's 30-day clock email to Admins now, instead of waiting for the daily one.
    "reports.add_clockdigest",
    "interchange.import_data",
    "interchange.export_avetmiss",
]

OWNER_PERMISSIONS = [
    *ADMIN_PERMISSIONS,
    "organisation.change_organisation",
    "organisation.add_signatory",
    "organisation.change_signatory",
    "organisation.view_signatory",
    "organisation.view_signingkey",
    "organisation.add_signingkey",
    "accounts.view_user",
    "accounts.add_user",
    "accounts.change_user",
    # Register integrity (Settings): checks of the event log and its signed checkpoints.
    "core.view_eventlogverification",
    "core.check_register_integrity",
]

ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.USER: USER_PERMISSIONS,
    Role.ADMIN: ADMIN_PERMISSIONS,
    Role.OWNER: OWNER_PERMISSIONS,
}


def sync_role_groups(**kwargs):
    """Make each role's group hold exactly its permissions. Runs after every migrate."""
    from django.contrib.auth.models import Group, Permission

    using = kwargs.get("using", "default")
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=role.value)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            found = Permission.objects.using(using).filter(
                content_type__app_label=app_label, codename=codename
            )
            wanted.extend(found)
        group.permissions.set(wanted)
