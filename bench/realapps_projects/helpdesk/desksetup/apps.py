"""The project's seed data (a staff user and a queue), as a data migration."""

from django.apps import AppConfig


class DesksetupConfig(AppConfig):
    name = "desksetup"
    default_auto_field = "django.db.models.AutoField"
