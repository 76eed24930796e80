"""The accounts app: its AppConfig connects the profile signal when the app registry is ready."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from .models import User
        from .signals import create_profile

        post_save.connect(create_profile, sender=User, dispatch_uid="accounts.create_profile")
