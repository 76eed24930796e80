"""The per-file phase: read one file, parse it with libcst, walk it; never raises (bad files become failures)."""

from __future__ import annotations

import ast
import dataclasses
import io
import os
import tokenize
import traceback
from collections.abc import Mapping
from typing import Final

import libcst as cst

from analyzer.cstnodes import build_for_reading
from analyzer.facts import FileFailure, FileResult, Job
from analyzer.flow import collect, pack
from analyzer.handlers import HANDLERS
from analyzer.walker import Handler, Walker
from cleave.formats.graph import Diagnostic

MAX_FILE_BYTES: Final = 4 * 1024 * 1024
"""Files above this size are skipped (generated code, data): parsing them would dominate the run."""


def _failure(job: Job, line: int, code: str, message: str, trace: str = "") -> FileFailure:
    return FileFailure(module=job.module, file=job.rel, is_package=job.is_package,
                       diagnostic=Diagnostic(file=job.rel, line=line, code=code, message=message), traceback=trace)


def read_source(job: Job) -> bytes | FileFailure:
    """The file's bytes, or why they cannot be analyzed."""
    path = job.path
    try:
        size = os.stat(path).st_size
        if size > MAX_FILE_BYTES:
            return _failure(job, 0, "too-large", f"file of {size / 1e6:.1f} MB is above the "
                            f"{MAX_FILE_BYTES // 2**20} MiB limit: skipped (generated code or data?)")
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        reason = "symlink loop" if error.errno == 40 else (error.strerror or str(error))
        return _failure(job, 0, "unreadable", f"cannot read the file: {reason}")
    if len(data) > MAX_FILE_BYTES:
        return _failure(job, 0, "too-large", f"file grew above the {MAX_FILE_BYTES // 2**20} MiB limit: skipped")
    return data


def decode(job: Job, data: bytes) -> str | FileFailure:
    """Text of ``data`` by its PEP 263 encoding cookie (default UTF-8)."""
    if b"\0" in data:
        return _failure(job, data[: data.index(b"\0")].count(b"\n") + 1, "binary",
                        "file holds NUL bytes: not Python source, skipped")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        return _failure(job, error.lineno or 1, "encoding", f"bad encoding declaration: {error.msg}")
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as error:
        line = data[: getattr(error, "start", 0)].count(b"\n") + 1
        return _failure(job, line, "encoding", f"cannot decode as {encoding}: {error}")


def own_process() -> None:
    """The process pool's initializer: in the analyzer's own worker processes, and only there, libcst's node
    classes are made cheap to build and skip their checks (:func:`analyzer.cstnodes.build_for_reading`)."""
    try:
        build_for_reading()
    except Exception:  # only a speed-up: a libcst it cannot change is parsed as it ships
        return


def _refused(job: Job, text: str, error: cst.ParserSyntaxError) -> FileFailure:
    """The failure for a file libcst refused: Python's own parser names the line people expect, with its familiar
    message; a file Python accepts is ``unparsable``, not a syntax error of the file's."""
    try:
        ast.parse(text)
    except SyntaxError as exact:
        return _failure(job, exact.lineno or error.raw_line, "syntax", f"syntax error: {exact.msg}")
    except (ValueError, RecursionError, MemoryError):
        return _failure(job, error.raw_line, "syntax", f"syntax error: {error.message}")
    return _failure(job, error.raw_line, "unparsable",
                    f"Python accepts this file but libcst cannot parse it ({error.message}): skipped")


def analyze_source(job: Job, text: str, handlers: Mapping[type[cst.CSTNode], Handler] = HANDLERS, *,
                   flows: bool = True) -> FileResult:
    """Parse and walk one module's text (``handlers``: what the walker does per node kind).

    A syntax error is a ``syntax`` failure; an exception in the walker is a bug of ours: an ``internal`` failure
    that keeps its traceback, so it costs one file, not the run, and is never mistaken for bad input."""
    try:
        tree = cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        return _refused(job, text, error)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:  # the native parser can panic (a BaseException); one file only
        return _failure(job, 1, "syntax", f"cannot parse: {type(error).__name__}")
    try:
        continued = "\\\n" in text or "\\\r" in text
        walker = Walker(job.module, job.rel, job.is_package, handlers, continued_lines=continued)
        facts = walker.run(tree)
        if not flows:
            return facts
        found = collect(job.module, job.is_package, tree, walker.lines, walker.walrus_bound)
        return dataclasses.replace(facts, flows=pack(found))
    except RecursionError:
        return _failure(job, 1, "too-deep", "expressions nested too deeply to analyze: skipped")
    except Exception as error:  # a bug of ours must cost one file, not the run
        return _failure(job, 1, "internal", f"analyzer error on this file ({type(error).__name__}: {error}): "
                        "skipped; please report it", traceback.format_exc())


def analyze_file(job: Job, *, flows: bool = True) -> FileResult:
    """Everything one file says (picklable; runs in a worker process); ``flows``: with its value-flow facts."""
    data = read_source(job)
    if isinstance(data, FileFailure):
        return data
    text = decode(job, data)
    if isinstance(text, FileFailure):
        return text
    return analyze_source(job, text, flows=flows)
