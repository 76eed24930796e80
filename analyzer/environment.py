"""The monolith's own environment: which interpreter names its distributions (``--python``), what that
interpreter has installed, and the import-name -> distribution mapping there.

Default interpreter: ``SRC/.venv`` or ``SRC/venv`` when present, else the one running cleave. Another
interpreter is asked with one short script (``packages_distributions()`` and versions), in its own process.
"""

from __future__ import annotations

import functools
import importlib.metadata
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from analyzer.errors import AnalyzerError

_NAMESPACES: Final = """
def _namespaces(m, names):
    # a top-level name several distributions share (a namespace package: pinax.teams, pinax.invitations) also
    # gets "top.second" keys, so an import of pinax.teams names pinax-teams rather than the first one listed
    for top, dists in list(names.items()):
        for dist in sorted(set(dists)) if len(set(dists)) > 1 else ():
            try:
                files = m.distribution(dist).files or ()
            except m.PackageNotFoundError:
                continue
            for part in {f.parts[1].removesuffix(".py") for f in files if len(f.parts) > 2 and f.parts[0] == top}:
                found = names.setdefault(top + "." + part, [])
                if dist not in found:
                    found.append(dist)
    return names
"""
_PROBE: Final = _NAMESPACES + """
import importlib.metadata as m, json, sys
names = _namespaces(m, {k: list(v) for k, v in m.packages_distributions().items()})
versions = {}
for d in m.distributions():
    name = d.metadata["Name"]
    if name:
        versions.setdefault(name.lower().replace("_", "-").replace(".", "-"), d.version)
print(json.dumps({"python": sys.executable, "version": sys.version.split()[0], "names": names,
                  "versions": versions}))
"""
_TIMEOUT_S: Final = 60


Contents = tuple[dict[str, list[str]], dict[str, str]]
"""(top-level import name -> distributions, canonical distribution name -> version)."""


@dataclass(frozen=True)
class Environment:
    """What one interpreter has installed: ``fingerprint`` at once, ``names`` and ``versions`` when first asked
    (a warm run, whose graph comes from the cache, needs only the fingerprint)."""

    python: str
    fingerprint: str  # changes when what is installed changes (part of the cache key)
    read: Callable[[], Contents] = field(repr=False, compare=False)

    @functools.cached_property
    def _contents(self) -> Contents:
        return self.read()

    @property
    def names(self) -> dict[str, list[str]]:
        """Top-level import name -> the distributions that provide it."""
        return self._contents[0]

    @property
    def versions(self) -> dict[str, str]:
        """Canonical distribution name -> version."""
        return self._contents[1]


def default_python(src: Path) -> Path | None:
    """``SRC/.venv/bin/python`` or ``SRC/venv/bin/python`` when present."""
    for folder in (".venv", "venv"):
        candidate = src / folder / "bin" / "python"
        if candidate.exists():
            return candidate
    return None


@functools.cache
def running_environment() -> Environment:
    """The environment of the interpreter running cleave. Its fingerprint is the sorted names of the
    ``*.dist-info`` / ``*.egg-info`` entries on ``sys.path`` (name and version of every installed distribution;
    listing a few folders), its names and versions are read from every distribution's metadata only when asked."""
    return Environment(sys.executable, "running:" + json.dumps(_installed()), _read_running)


def _installed() -> list[str]:
    found: set[str] = set()
    for entry in sys.path:
        try:
            with os.scandir(entry or ".") as listing:
                found.update(e.name for e in listing if e.name.endswith((".dist-info", ".egg-info")))
        except OSError:
            continue
    return sorted(found)


def _read_running() -> Contents:
    scope: dict[str, Any] = {}
    exec(_NAMESPACES, scope)  # the same helper the probe runs in the monolith's interpreter
    names = scope["_namespaces"](importlib.metadata,
                                 {k: list(v) for k, v in importlib.metadata.packages_distributions().items()})
    versions: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            versions.setdefault(name.lower().replace("_", "-").replace(".", "-"), dist.version)
    return names, versions


def environment(src: Path, python: Path | None) -> Environment:
    """The environment of ``python`` (or the default one for ``src``); raises :class:`AnalyzerError` when the
    interpreter cannot be run."""
    chosen = python if python is not None else default_python(src)
    if chosen is None:
        return running_environment()
    try:
        done = subprocess.run([str(chosen), "-I", "-c", _PROBE], capture_output=True, text=True,
                              timeout=_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise AnalyzerError(f"cannot run the interpreter: {error}", path=chosen,
                            hint="pass --python with the monolith's interpreter (e.g. SRC/.venv/bin/python)") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise AnalyzerError(f"the interpreter failed to list its distributions: {last}", path=chosen,
                            hint="pass --python with a Python 3.10+ interpreter of the monolith")
    data = json.loads(done.stdout.strip().splitlines()[-1])
    return Environment(str(chosen), done.stdout, lambda: (data["names"], data["versions"]))
