"""Errors of the packager stage.

::

    CleaveError
    └── PackagerError          anything that stops `cleave build`
        ├── BlockedPlanError   the plan has blocker boundaries nobody accepted
        ├── StubError          code that crosses services and cannot be stubbed safely (all problems at once)
        └── ImportCheckError   modules of the built trees that do not import in a clean interpreter (all at once)
"""

from __future__ import annotations

from cleave.errors import CleaveError


class PackagerError(CleaveError):
    """The build cannot go on; the message says what, where and what to do."""


class BlockedPlanError(PackagerError):
    """The plan still has blocker boundaries that are not marked ``accepted: true``."""


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
