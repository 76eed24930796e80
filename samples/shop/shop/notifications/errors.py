"""Exceptions of the notifications domain."""

from __future__ import annotations

from shop.common.errors import Invalid


class TemplateError(Invalid):
    """A message could not be rendered because a placeholder has no value."""

    def __init__(self, template: str, missing: str) -> None:
        super().__init__("context", f"template {template} needs a value for {missing}")
        self.template = template
