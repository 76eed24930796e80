"""Every new user gets a profile."""

from __future__ import annotations

from typing import Any

from .models import Profile


def create_profile(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if created:
        Profile.objects.create(user=instance, bio="")
