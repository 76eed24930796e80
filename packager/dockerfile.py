"""The ``Dockerfile`` of a service tree, from the jinja2 template shipped as package data."""

from __future__ import annotations

from typing import Final

import jinja2

PORT: Final = 8000

_ENVIRONMENT = jinja2.Environment(loader=jinja2.PackageLoader("packager", "templates"), autoescape=False,
                                  keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
                                  undefined=jinja2.StrictUndefined)


def render_dockerfile(name: str, requirements: list[str], health_path: str, port: int = PORT) -> str:
    """A Dockerfile a user can ``podman build`` from the service's tree."""
    return _ENVIRONMENT.get_template("Dockerfile.j2").render(name=name, requirements=requirements,
                                                             health_path=health_path, port=port)
