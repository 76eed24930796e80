"""``analyze()``: discover -> per-file facts (cached, in parallel) -> global resolution -> graph."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Final

from analyzer.build import GraphBuilder
from analyzer.cache import Cache, file_key
from analyzer.discover import SourceTree, discover
from analyzer.facts import FileFacts, FileFailure, FileResult
from analyzer.packages import DistributionMap, fingerprint_inputs, read_requirements
from analyzer.worker import Job, analyze_file, read_source
from cleave.formats.graph import CodeGraph, Diagnostic

ANALYZER_VERSION: Final = "0.1.0+facts3"
"""Changes whenever the facts a file produces could change: part of every cache key."""

_SERIAL_BELOW: Final = 24  # fewer files than this to parse: no process pool (its start-up costs more)


def _default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _parse_all(todo: list[Job], jobs: int) -> Iterator[FileResult]:
    if jobs <= 1 or len(todo) < _SERIAL_BELOW or "fork" not in multiprocessing.get_all_start_methods():
        for job in todo:
            yield analyze_file(job)
        return
    # Biggest files first so no worker is left with a large one at the end.
    todo = sorted(todo, key=lambda job: -_size(job[0]))
    chunk = max(1, min(16, len(todo) // (jobs * 16)))
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        yield from pool.imap_unordered(analyze_file, todo, chunksize=chunk)


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _fingerprint(src: Path, keys: Sequence[bytes], tree: SourceTree, exclude: Sequence[str]) -> bytes:
    digest = hashlib.blake2b(digest_size=20)
    digest.update(ANALYZER_VERSION.encode())
    for key in keys:
        digest.update(key)
    for name in tree.namespace_packages:
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


def analyze(src: Path, *, exclude: Sequence[str] = (), cache_dir: Path | None = None, jobs: int | None = None,
            progress: Callable[[int, int], None] | None = None) -> CodeGraph:
    """Analyze the Python tree under ``src`` into a :class:`CodeGraph`.

    Bad files become diagnostics; raises :class:`analyzer.errors.SourceError` only when ``src`` is missing or
    holds no Python. ``cache_dir`` (None: no cache) keeps each file's facts by content hash, and the last graph.
    """
    report = progress or (lambda done, total: None)
    tree = discover(src, exclude)
    cache = Cache(cache_dir, ANALYZER_VERSION)
    total = len(tree.jobs)
    keys: list[bytes] = []
    failures: dict[str, FileResult] = {}
    for job in tree.jobs:
        data = read_source(job)
        if isinstance(data, FileFailure):
            failures[job[1]] = data
            keys.append(job[1].encode() + b"\0unreadable")
        else:
            keys.append(file_key(data, job[2], job[3], ANALYZER_VERSION))
    fingerprint = _fingerprint(src, keys, tree, exclude)
    cached_graph = cache.load_graph(fingerprint)
    if isinstance(cached_graph, CodeGraph):
        report(total, total)
        return cached_graph

    known = cache.load_facts()
    results: dict[bytes, FileResult] = {}
    todo: list[Job] = []
    by_path: dict[str, bytes] = {}
    for job, key in zip(tree.jobs, keys, strict=True):
        if job[1] in failures:
            results[key] = failures[job[1]]
        elif key in known:
            results[key] = known[key]
        else:
            todo.append(job)
            by_path[job[1]] = key
    done = len(results)
    report(done, total)
    for result in _parse_all(todo, jobs or _default_jobs()):
        results[by_path[result.file]] = result
        done += 1
        report(done, total)
    if todo or len(known) != len(results):
        cache.save_facts(results)

    files: dict[str, FileFacts] = {}
    failed: list[FileFailure] = []
    diagnostics: list[Diagnostic] = list(tree.diagnostics)
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
    builder = GraphBuilder(files, failed, tree.namespace_packages, DistributionMap(read_requirements(tree.root)))
    graph, more = builder.build()
    diagnostics.extend(more)
    code_graph = CodeGraph(graph=graph, diagnostics=tuple(sorted(set(diagnostics))), source=str(src),
                           analyzer=ANALYZER_VERSION,
                           meta={"files": total, "lines": sum(f.lines - 1 for f in files.values())})
    cache.save_graph(fingerprint, code_graph)
    return code_graph
