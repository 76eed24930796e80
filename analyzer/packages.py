"""Third-party imports -> distributions: the environment's metadata plus the monolith's own requirements."""

from __future__ import annotations

import re
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from analyzer.environment import Environment, running_environment

STDLIB: Final = frozenset(sys.stdlib_module_names) | {"__future__", "__main__", "annotationlib", "_typeshed"}
"""Top-level stdlib names (plus a few newer than the running Python, which code guards by version)."""

# Import names whose distribution is named differently, for when that distribution is not installed here.
_WELL_KNOWN: Final = {
    "PIL": "pillow", "yaml": "pyyaml", "sklearn": "scikit-learn", "cv2": "opencv-python", "bs4": "beautifulsoup4",
    "dateutil": "python-dateutil", "jwt": "pyjwt", "attr": "attrs", "dotenv": "python-dotenv", "magic": "python-magic",
    "Crypto": "pycryptodome", "OpenSSL": "pyopenssl", "google.protobuf": "protobuf", "psycopg2": "psycopg2-binary",
    "MySQLdb": "mysqlclient", "serial": "pyserial", "usb": "pyusb", "zmq": "pyzmq", "slugify": "python-slugify",
    "multipart": "python-multipart", "jose": "python-jose", "Levenshtein": "python-levenshtein",
}


@dataclass(frozen=True)
class Distribution:
    """A third-party distribution the monolith uses."""

    name: str  # canonical
    version: str | None
    requirement: str | None
    import_names: tuple[str, ...] = field(default=())


def read_requirements(src: Path) -> dict[str, str]:
    """Canonical distribution name -> requirement as written, from requirements*.txt and pyproject.toml."""
    found: dict[str, str] = {}
    texts: list[str] = []
    for path in sorted(src.glob("requirements*.txt")) + sorted(src.glob("requirements/*.txt")):
        try:
            texts.extend(path.read_text(encoding="utf-8", errors="replace").splitlines())
        except OSError:
            continue
    try:
        project = tomllib.loads((src / "pyproject.toml").read_text(encoding="utf-8")).get("project", {})
        texts.extend(project.get("dependencies", []))
        for extra in project.get("optional-dependencies", {}).values():
            texts.extend(extra)
    except (OSError, tomllib.TOMLDecodeError, AttributeError, TypeError):
        pass
    for raw in texts:
        line = re.sub(r"\s+#.*$", "", str(raw)).strip()
        if not line or line.startswith(("#", "-")):
            continue
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        found.setdefault(canonicalize_name(requirement.name), str(requirement))
    return found


def fingerprint_inputs(src: Path) -> list[Path]:
    """Files whose content changes the third-party mapping."""
    return sorted(src.glob("requirements*.txt")) + sorted(src.glob("requirements/*.txt")) + [src / "pyproject.toml"]


class DistributionMap:
    """Maps a top-level import name to its distribution, as the monolith's environment installs it."""

    def __init__(self, requirements: Mapping[str, str], environment: Environment | None = None) -> None:
        self.requirements = requirements
        self.environment = environment
        self.used: dict[str, set[str]] = {}

    def _installed(self) -> Mapping[str, list[str]]:
        return (self.environment or running_environment()).names

    def distribution(self, top: str, dotted: str) -> str:
        """Canonical distribution name for an import of ``dotted`` (whose first part is ``top``)."""
        two = ".".join(dotted.split(".")[:2])
        installed = self._installed()
        candidates = installed.get(top, [])
        if len(candidates) > 1 and two in installed:  # a namespace package: its sub-package decides
            candidates = installed[two]
        name: str | None = None
        for candidate in candidates:
            if canonicalize_name(candidate) in self.requirements:
                name = candidate
                break
        if name is None and candidates:
            name = candidates[0]
        if name is None:
            name = _WELL_KNOWN.get(two) or _WELL_KNOWN.get(top) or top
        canonical = canonicalize_name(name)
        self.used.setdefault(canonical, set()).add(top)
        return canonical

    def describe(self) -> list[Distribution]:
        out = []
        for name, imports in sorted(self.used.items()):
            version = (self.environment or running_environment()).versions.get(name)
            out.append(Distribution(name, version, self.requirements.get(name), tuple(sorted(imports))))
        return out
