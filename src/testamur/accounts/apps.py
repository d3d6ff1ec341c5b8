from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "testamur.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from testamur.accounts.roles import sync_role_groups

        post_migrate.connect(sync_role_groups, dispatch_uid="testamur_sync_role_groups")
