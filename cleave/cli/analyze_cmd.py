"""``cleave analyze SRC``: parse the monolith and write its dependency graph (graph.json)."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import typer

from cleave.cli import output


def register(app: typer.Typer) -> None:
    """Add ``analyze`` to the app."""

    @app.command("analyze")
    def analyze(  # noqa: PLR0917 (typer: one parameter per option)
        src: Path = typer.Argument(..., help="The monolith's root folder (the one holding its top-level package)."),
        out: Path = typer.Option(Path(".cleave/graph.json"), "-o", "--output", help="Where to write graph.json."),
        exclude: list[str] = typer.Option([], "--exclude", help="Skip paths matching this .gitignore-style "
                                          "pattern (repeatable)."),
        as_json: bool = typer.Option(False, "--json", help="Print the summary as one JSON document."),
        no_cache: bool = typer.Option(False, "--no-cache", help="Reparse every file (ignore and keep no cache)."),
        jobs: int | None = typer.Option(None, "--jobs", "-j", min=1, help="Worker processes (default: all cores)."),
        include_tests: bool = typer.Option(False, "--include-tests", help="Also analyze test code (tests/, "
                                           "test_*.py, conftest.py), left out by default."),
    ) -> None:
        """Parse SRC and build its dependency graph.

        Example: cleave analyze samples/shop -o .cleave/graph.json
        """
        from analyzer import AnalyzerError, render, summarize
        from analyzer import analyze as run
        from cleave.formats.graph import save_graph

        cache_dir = None if no_cache else out.parent / "cache"
        with output.progress("analyzing") as report:
            graph = run(src, exclude=exclude, cache_dir=cache_dir, jobs=jobs, progress=report,
                        include_tests=include_tests)
        for diagnostic in graph.diagnostics:
            output.warn(diagnostic.render())
        stamp = None if cache_dir is None else cache_dir / "written"
        if not _up_to_date(out, stamp, graph.meta.get("fingerprint")):
            try:
                save_graph(graph, out)
            except OSError as error:
                raise AnalyzerError(f"cannot write the graph: {error.strerror or error}", path=out,
                                    hint="pass a writable file path with -o") from error
            if stamp is not None:
                _stamp(out, stamp, graph.meta.get("fingerprint"))
        summary = summarize(graph)
        summary["output"] = str(out)
        if as_json:
            output.print_json(summary)
        else:
            output.stdout.print(render(summary), markup=False, highlight=False, soft_wrap=True)
            output.stdout.print(f"graph written to {out}", markup=False, highlight=False)


def _identity(out: Path, fingerprint: object) -> dict[str, object] | None:
    try:
        info = out.stat()
    except OSError:
        return None
    return {"fingerprint": fingerprint, "path": str(out.resolve()), "size": info.st_size, "mtime": info.st_mtime_ns}


def _up_to_date(out: Path, stamp: Path | None, fingerprint: object) -> bool:
    """Whether ``out`` is the graph.json this exact graph was last written to (unchanged since)."""
    if stamp is None or not fingerprint:
        return False
    try:
        recorded = json.loads(stamp.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(recorded == _identity(out, fingerprint))


def _stamp(out: Path, stamp: Path, fingerprint: object) -> None:
    from cleave.formats.atomic import write_text_atomic

    identity = _identity(out, fingerprint)
    if identity is not None and fingerprint:
        with contextlib.suppress(OSError):
            write_text_atomic(stamp, json.dumps(identity))
