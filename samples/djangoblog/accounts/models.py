"""A custom user model (AUTH_USER_MODEL = accounts.User), profiles and API tokens."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """Django's user, with the email unique (tables: accounts_user and its groups/permissions M2M tables)."""

    email = models.EmailField(unique=True)


class Profile(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    bio = models.TextField(blank=True, default="")
    website = models.URLField(blank=True, default="")


class Token(models.Model):
    key = models.CharField(max_length=40, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="tokens")
    revoked = models.BooleanField(default=False)

    class Meta:
        db_table = "api_token"
