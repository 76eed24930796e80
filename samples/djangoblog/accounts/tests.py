"""The accounts app's own tests: run with ``python manage.py test``."""

from __future__ import annotations

import json
from typing import Any

from django.test import TestCase

from .models import Profile, User


class AccountsTests(TestCase):
    def call(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        headers = {"Authorization": f"Token {token}"} if token else {}
        data = json.dumps(body) if body is not None else ""
        return self.client.generic(method, path, data, content_type="application/json", headers=headers)

    def test_a_new_user_gets_a_profile_through_the_signal(self) -> None:
        user = User.objects.create_user("zoe", "zoe@example.org", "zoe-pass-word")
        self.assertTrue(Profile.objects.filter(user=user).exists())

    def test_the_first_account_is_staff_and_tokens_are_revocable(self) -> None:
        first, second = (
            self.call("POST", "/api/accounts/register/", {"username": n, "email": f"{n}@x.org", "password": n * 8})
            for n in "ab"
        )
        self.assertEqual((first.json()["is_staff"], second.json()["is_staff"]), (True, False))
        token = self.call("POST", "/api/accounts/login/", {"username": "b", "password": "b" * 8}).json()["token"]
        self.assertEqual(self.call("GET", "/api/accounts/me/", token=token).json()["username"], "b")
        self.assertEqual(self.call("POST", "/api/accounts/logout/", token=token).status_code, 204)
        self.assertEqual(self.call("GET", "/api/accounts/me/", token=token).status_code, 401)
