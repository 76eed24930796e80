"""PBKDF2 with a demo's iteration count (named in settings.PASSWORD_HASHERS): keeps the sample's requests fast."""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class DemoPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 2000
