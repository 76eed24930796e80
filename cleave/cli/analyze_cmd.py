"""``cleave analyze SRC``: parse the monolith and write its dependency graph (graph.json)."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import typer

from cleave.cli import lifetime, options, output


def register(app: typer.Typer) -> None:
    """Add ``analyze`` to the app."""

    @app.command("analyze", **options.command_settings(
        "cleave analyze samples/shop                  # -> .cleave/graph.json",
        "cleave analyze . --exclude 'migrations/' -j 2",
        "cleave analyze . --json | jq .modules"))
    def analyze(  # noqa: PLR0917 (typer: one parameter per option)
        src: Path = typer.Argument(..., metavar="SRC",
                                   help="The monolith's root folder (the one holding its top-level package)."),
        out: Path = options.output_option(Path(".cleave/graph.json"), "Where to write graph.json."),
        exclude: list[str] = typer.Option([], "--exclude", metavar="PATTERN", help="Skip paths matching this "
                                          ".gitignore-style pattern (repeatable)."),
        as_json: bool = options.json_option(),
        no_cache: bool = typer.Option(False, "--no-cache", help="Reparse every file (ignore and keep no cache)."),
        jobs: int | None = typer.Option(None, "--jobs", "-j", min=1, metavar="N",
                                        help="Worker processes (default: all cores)."),
        include_tests: bool = typer.Option(False, "--include-tests", help="Also analyze test code (tests/, "
                                           "test_*.py, conftest.py), left out by default."),
        project: Path | None = options.project_option(),
        python: Path | None = options.python_option(),
        flow: bool | None = options.flow_option(),
        dynamic_routes: bool | None = typer.Option(None, "--dynamic-routes/--static-routes",
                                                   help="Also import the app with --python and read its real URL "
                                                   "map (default: when that environment has the framework)."),
    ) -> None:
        """Parse SRC and build its dependency graph (graph.json)."""
        from analyzer import AnalyzerError, render, summarize
        from analyzer import analyze as run
        from cleave.formats.graph import save_graph

        options.enter_project(project)
        cache_dir = None if no_cache else out.parent / "cache"
        with output.progress("analyzing", "files", enabled=not as_json) as report, lifetime.building():
            graph = run(src, exclude=exclude, cache_dir=cache_dir, jobs=jobs, progress=report,
                        include_tests=include_tests, python=python, dynamic_routes=dynamic_routes,
                        flow=flow)
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
            output.say(render(summary))
            output.say(f"graph written to {out}")


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
