"""Where a project keeps its files: ``.cleave/`` beside (or holding) the build folder, the plan's source."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cleave.cli import lifetime
from cleave.errors import UsageError
from cleave.formats.graph import CodeGraph, load_graph
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


def graph_or_analysis(graph: Path | None, src: Callable[[], Path], cache_dir: Path, *, python: Path | None = None,
               flow: bool | None = None) -> CodeGraph:
    """The given graph.json, or an analysis of ``src()`` (asked for only then) through the per-file cache
    ``cache_dir``, in the app's own environment ``python`` (its distributions and real URL map, as
    `cleave analyze --python` reads them), ``flow`` as `cleave analyze --flow/--no-flow`. With a graph nothing is
    analyzed, so asking how (``--flow/--no-flow``) is a usage error."""
    if graph is not None:
        if flow is not None:
            raise UsageError("--flow/--no-flow choose how SRC is analyzed; with --graph nothing is analyzed",
                             hint="drop one of them (make the graph with `cleave analyze --flow`)")
        return load_graph(graph)
    from analyzer import analyze

    with lifetime.building():
        return analyze(src(), cache_dir=cache_dir, python=python, flow=flow)
