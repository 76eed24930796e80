"""``analyze()``: discover -> per-file facts (cached, in parallel) -> global resolution -> graph."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import hashlib
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Final

from analyzer.build import GraphBuilder
from analyzer.cache import Cache, file_key
from analyzer.discover import SourceTree, discover
from analyzer.environment import environment
from analyzer.facts import FileFacts, FileFailure, FileResult, Job
from analyzer.incremental import Snapshot, patch
from analyzer.packages import DistributionMap, fingerprint_inputs, read_requirements
from analyzer.worker import analyze_file, deep_enough, own_process, read_source
from cleave.formats.graph import CodeGraph, Diagnostic

ANALYZER_VERSION: Final = "0.2.0+facts11"
"""Changes whenever the facts a file produces could change: part of every cache key."""
BUILD_VERSION: Final = "7"
"""Changes whenever the graph made from the same facts could change: part of the cached graph's key."""

_PATCH_AT_MOST: Final = 64  # more changed files than this: a full build is as quick as patching
_SERIAL_BELOW: Final = 24  # fewer files than this to parse: no process pool (its start-up costs more)


def _default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _parse_all(todo: list[Job], jobs: int, flows: bool) -> Iterator[FileResult]:
    if jobs <= 1 or len(todo) < _SERIAL_BELOW or "fork" not in multiprocessing.get_all_start_methods():
        with deep_enough():
            for job in todo:
                yield analyze_file(job, flows=flows)
        return
    # Biggest files first so no worker is left with a large one at the end.
    todo = sorted(todo, key=lambda job: -_size(job.path))
    chunk = max(1, min(16, len(todo) // (jobs * 16)))
    with multiprocessing.get_context("fork").Pool(jobs, initializer=own_process) as pool:
        yield from pool.imap_unordered(functools.partial(analyze_file, flows=flows), todo, chunksize=chunk)


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _environment(src: Path, tree: SourceTree, exclude: Sequence[str]) -> bytes:
    """Fingerprint of everything but the files' contents."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(f"{ANALYZER_VERSION}/{BUILD_VERSION}".encode())
    for job in tree.jobs:
        digest.update(job.rel.encode() + b"\0")
    for name in (*tree.namespace_packages, "", *tree.excluded_tests):
        digest.update(name.encode() + b"\0")
    for diagnostic in tree.diagnostics:
        digest.update(repr(diagnostic).encode())
    digest.update(repr(list(exclude)).encode())
    for path in fingerprint_inputs(src):
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"-")
    return digest.digest()


def _fingerprint(environment: bytes, keys: Sequence[bytes]) -> bytes:
    digest = hashlib.blake2b(environment, digest_size=20)
    for key in keys:
        digest.update(key)
    return digest.digest()


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while millions of small objects are made (unpickling a graph: 9x faster).

    The collector is put back as the caller had it. (An earlier version also called ``gc.freeze()`` on the way
    out to spare the next full pass the graph; that changed the caller's whole process for good, so it went.)
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def analyze(src: Path, *, exclude: Sequence[str] = (), cache_dir: Path | None = None, jobs: int | None = None,
            progress: Callable[[int, int], None] | None = None, include_tests: bool = False,
            python: Path | None = None, dynamic_routes: bool | None = None, flow: bool | None = None) -> CodeGraph:
    """Analyze the Python tree under ``src`` into a :class:`CodeGraph`.

    Bad files become diagnostics; raises :class:`analyzer.errors.SourceError` only when ``src`` is missing or
    holds no Python. ``cache_dir`` (None: no cache) keeps each file's facts by content hash, and the last graph.
    Test code (``tests/``, ``test_*.py``, ``conftest.py``, ...) is left out unless ``include_tests``.
    ``python``: the monolith's interpreter, whose installed distributions name the third-party imports (default
    ``SRC/.venv`` or ``SRC/venv`` when present, else the running one); part of the cache key.
    ``dynamic_routes``: also import the app in that environment and read its real URL map (None: only when that
    environment is the app's own and has the framework installed).
    ``flow``: follow values across the whole program (:mod:`analyzer.flow`) for the calls names alone miss; on by
    default (None, what the CLI passes when neither ``--flow`` nor ``--no-flow`` is given); False leaves it out
    (the graph's meta ``value_flow`` says which). On Django 5.2 a cold analysis takes 1.19x the time and 1.18x the
    CPU of the analyzer without it (bench/results/analyze-compare-flow.json).
    """
    with _gc_paused():
        return _analyze(src, exclude, cache_dir, jobs, progress, include_tests=include_tests, python=python,
                        dynamic_routes=dynamic_routes, flow=flow)


def _analyze(src: Path, exclude: Sequence[str], cache_dir: Path | None, jobs: int | None,
             progress: Callable[[int, int], None] | None, *, include_tests: bool, python: Path | None,
             dynamic_routes: bool | None, flow: bool | None) -> CodeGraph:
    report = progress or (lambda done, total: None)
    tree = discover(src, exclude, include_tests=include_tests)
    env = environment(tree.root, python)
    cache = Cache(cache_dir, ANALYZER_VERSION)
    flows = flow is not False
    keys, unreadable = _file_keys(tree, flows)
    environment_key = (_environment(src, tree, exclude) + env.fingerprint.encode() + repr(dynamic_routes).encode()
                       + repr(flows).encode())
    fingerprint = _fingerprint(environment_key, keys)
    if cache.graph_matches(fingerprint):
        snapshot = cache.load_graph(fingerprint)
        if isinstance(snapshot, Snapshot):
            report(len(keys), len(keys))
            return snapshot.code_graph
    known = cache.load_facts()
    results, save_facts = _facts(tree, keys, unreadable, known, cache=cache, jobs=jobs or _default_jobs(),
                                 report=report, flows=flows)
    files, failed, diagnostics = _outcomes(keys, results, tree.diagnostics)
    distributions = DistributionMap(read_requirements(tree.root), env)

    def new_builder() -> GraphBuilder:
        builder = GraphBuilder(files, failed, tree.namespace_packages, distributions, tree.root)
        builder.dynamic_routes = dynamic_routes
        return builder

    builder = new_builder()
    path_keys = {job.rel: key for job, key in zip(tree.jobs, keys, strict=True)}
    snapshot = cache.load_graph(None) if not failed else None
    code_graph, misses = None, frozenset[tuple[str, str]]()
    changed = _patchable(snapshot, results, path_keys) if isinstance(snapshot, Snapshot) else None
    if isinstance(snapshot, Snapshot) and changed is not None:
        save_facts()
        code_graph = patch(snapshot, builder, changed, environment_key, keys=path_keys, known=known)
        if code_graph is None:  # the patch resolved part of the tree with this builder: start afresh
            builder = new_builder()
        else:
            misses = snapshot.misses
    if code_graph is None:
        graph, more = builder.build(meanwhile=save_facts)
        meta = {"files": len(keys), "lines": sum(f.lines - 1 for f in files.values()),
                "excluded_tests": list(tree.excluded_tests), "python": env.python, "value_flow": flows,
                **builder.meta}
        code_graph = CodeGraph(graph=graph, diagnostics=tuple(sorted({*diagnostics, *more})), source=str(src),
                               analyzer=ANALYZER_VERSION, meta=meta)
    code_graph = dataclasses.replace(code_graph, meta={**code_graph.meta, "fingerprint": fingerprint.hex()})
    if cache.directory is not None:
        cache.save_graph(fingerprint, Snapshot(
            code_graph=code_graph, environment=environment_key, keys=path_keys,
            model_tables=builder.model_info,
            lines={f.file: f.lines - 1 for f in files.values()},
            misses=frozenset(builder.index.misses) | misses))
    return code_graph


def _file_keys(tree: SourceTree, flows: bool) -> tuple[list[bytes], dict[str, FileFailure]]:
    """Each file's cache key (its content's hash, or a mark for a file that cannot be read), in the tree's order,
    and the files that cannot be read."""
    keys: list[bytes] = []
    unreadable: dict[str, FileFailure] = {}
    for job in tree.jobs:
        data = read_source(job)
        if isinstance(data, FileFailure):
            unreadable[job.rel] = data
            keys.append(job.rel.encode() + b"\0unreadable")
        else:
            keys.append(file_key(data, job.module, job.is_package, ANALYZER_VERSION + ("+flow" if flows else "")))
    return keys, unreadable


def _facts(tree: SourceTree, keys: list[bytes], unreadable: dict[str, FileFailure], known: dict[bytes, FileResult],
           *, cache: Cache, jobs: int, report: Callable[[int, int], None], flows: bool
           ) -> tuple[dict[bytes, FileResult], Callable[[], None]]:
    """Every file's facts by its key: from the cache when known, else parsed (in parallel); and what updates
    the cache with them (the caller calls it once, when it has a moment: the graph build runs it while the flows
    are solved apart)."""
    results: dict[bytes, FileResult] = {}
    todo: list[Job] = []
    by_path: dict[str, bytes] = {}
    for job, key in zip(tree.jobs, keys, strict=True):
        if job.rel in unreadable:
            results[key] = unreadable[job.rel]
        elif key in known:
            results[key] = known[key]
        else:
            todo.append(job)
            by_path[job.rel] = key
    done, total = len(results), len(keys)
    report(done, total)
    for result in _parse_all(todo, jobs, flows):
        results[by_path[result.file]] = result
        done += 1
        report(done, total)
    if todo or len(known) != len(results):
        return results, functools.partial(cache.save_facts, results, set(by_path.values()))
    return results, lambda: None


def _outcomes(keys: list[bytes], results: dict[bytes, FileResult], found: Sequence[Diagnostic]
              ) -> tuple[dict[str, FileFacts], list[FileFailure], list[Diagnostic]]:
    """The facts by module, the files that failed, and the diagnostics so far (``found``: discovery's)."""
    files: dict[str, FileFacts] = {}
    failed: list[FileFailure] = []
    diagnostics: list[Diagnostic] = list(found)
    for key in keys:
        result = results[key]
        if isinstance(result, FileFailure):
            failed.append(result)
            diagnostics.append(result.diagnostic)
        elif result.module in files:
            diagnostics.append(Diagnostic(result.file, 1, "duplicate-module",
                                          f"module {result.module!r} is defined twice: this file is ignored"))
        else:
            files[result.module] = result
            diagnostics.extend(result.diagnostics)
    return files, failed, diagnostics


def _patchable(snapshot: Snapshot, results: dict[bytes, FileResult], path_keys: dict[str, bytes]
               ) -> list[FileFacts] | None:
    """The changed files' facts when the last graph can be patched with them (a few files changed, all parsed),
    else None."""
    paths = [path for path, key in path_keys.items() if snapshot.keys.get(path) != key]
    changed = [r for r in (results[path_keys[p]] for p in paths) if isinstance(r, FileFacts)]
    return changed if 0 < len(changed) == len(paths) <= _PATCH_AT_MOST else None
