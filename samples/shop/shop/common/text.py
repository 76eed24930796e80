"""Text helpers: slugs, e-mail normalisation, masking card numbers."""

from __future__ import annotations

import re
import unicodedata

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """``"Blue Mug (large)"`` -> ``"blue-mug-large"``; accents are dropped."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")


def normalize_email(email: str) -> str:
    """Lower-case and trimmed: addresses are compared this way everywhere."""
    return email.strip().lower()


def mask_card(number: str) -> str:
    """Only the last four digits are ever stored or shown."""
    digits = "".join(ch for ch in number if ch.isdigit())
    return "**** " + digits[-4:]
