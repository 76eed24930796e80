"""Errors of the packager stage.

::

    CleaveError
    └── PackagerError          anything that stops `cleave build`
        ├── BlockedPlanError   the plan has blocker boundaries nobody accepted
        │   └── UnsafeCrossingError  the code makes crossings the rule blocks (one line per crossing)
        ├── StubError          code that crosses services and cannot be stubbed safely (all problems at once)
        └── ImportCheckError   modules of the built trees that do not import in a clean interpreter (all at once)
"""

from __future__ import annotations

from collections.abc import Sequence

from cleave.crossing import render
from cleave.errors import CleaveError
from cleave.formats.plan import Boundary


class PackagerError(CleaveError):
    """The build cannot go on; the message says what, where and what to do."""


class BlockedPlanError(PackagerError):
    """The plan still has blocker boundaries that are not marked ``accepted: true``."""


class UnsafeCrossingError(BlockedPlanError):
    """Crossings between the plan's services that cannot work split (cleave.crossing's blockers), found at build."""

    def __init__(self, crossings: Sequence[Boundary], *, path: str | None = None) -> None:
        self.crossings = tuple(crossings)
        lines = "".join(f"\n{render(boundary)}" for boundary in crossings)
        super().__init__(f"{len(crossings)} blocker(s): crossings between services that cannot work split (fix the "
                         "code, keep both sides in one service, or mark the boundary `accepted: true` in the plan "
                         "to give each service its own copy):" + lines, path=path)


class StubError(PackagerError):
    """One or more uses across services that cannot become RPC stubs or copied value types."""

    def __init__(self, problems: list[str], *, path: str | None = None) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"{len(problems)} use(s) across services cannot be stubbed safely:\n{lines}", path=path,
                         hint="move the code into one service, put it in `shared`, or mark the boundary "
                              "`accepted: true` in the plan to give each service its own copy")


class ImportCheckError(PackagerError):
    """Modules of built services that do not import in a clean interpreter (every failure at once)."""

    def __init__(self, failures: list[str], *, path: str | None = None) -> None:
        self.failures = tuple(failures)
        lines = "\n".join(f"  - {failure}" for failure in failures)
        super().__init__(f"{len(failures)} module(s) of the built services do not import:\n{lines}", path=path,
                         hint="each service imports its modules when it starts; nothing was written")
