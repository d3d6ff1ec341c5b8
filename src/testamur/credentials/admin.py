from django.contrib import admin

from testamur.credentials.models import Credential, CredentialStatus


@admin.register(Credential)
class CredentialAdmin(admin.ModelAdmin):
    """Read-mostly: the admin site may look, but never delete what the register must keep."""

    list_display = ["number", "credential_type", "learner", "status", "credential_date"]
    list_filter = ["status", "credential_type"]
    search_fields = ["number", "learner__family_name", "learner__client_id"]
    readonly_fields = [f.name for f in Credential._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        if obj is None:
            return False  # no bulk delete action: each deletion is checked one by one
        return (
            obj.status == CredentialStatus.REQUESTED
            and not obj.number
            and super().has_delete_permission(request, obj)
        )
