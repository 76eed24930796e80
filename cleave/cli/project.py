"""Where a project keeps its files: ``.cleave/`` beside (or holding) the build folder, the plan's source."""

from __future__ import annotations

from pathlib import Path

from cleave.errors import UsageError
from cleave.formats.plan import Plan


def state_dir(build: Path) -> Path:
    """The project's ``.cleave/`` folder for a build folder (graph, caches, runtime state): the build's parent when
    that is ``.cleave``, else ``.cleave`` beside the build (the runtime's ``ProjectPaths.for_build`` agrees)."""
    parent = build.resolve().parent
    return parent if parent.name == ".cleave" else parent / ".cleave"


def source_of(src: Path | None, plan: Plan) -> Path:
    """SRC as given, else the plan's ``source:`` (relative to here, then to the plan's folder)."""
    if src is not None:
        if not src.is_dir():
            raise UsageError(f"SRC {src} is not a folder", hint="pass the monolith's root folder")
        return src
    candidates = [Path(plan.source)]
    if plan.origin and not plan.origin.startswith("<"):
        candidates.append(Path(plan.origin).parent / plan.source)
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise UsageError(f"the plan's source: {plan.source!r} is not a folder here or beside the plan",
                     path=plan.origin, hint="pass SRC, or fix `source:` in the plan")
