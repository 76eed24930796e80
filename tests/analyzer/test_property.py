"""Whatever the source, the per-file phase returns facts or a failure for bad input; a bug of ours surfaces.

An exception in the walker is an ``internal`` failure with its traceback, never a syntax error: these tests fail
when generated source makes the walker raise.
"""

from __future__ import annotations

import warnings
from typing import Any

import hypothesmith
import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.facts import FileFacts, FileFailure, FileResult, Job
from analyzer.handlers import HANDLERS
from analyzer.walker import Walker
from analyzer.worker import analyze_source, decode

JOB = Job("/dev/null", "pkg/mod.py", "pkg.mod", False)
_BAD_INPUT = {"syntax", "unparsable", "encoding", "binary", "too-deep"}


def _no_bug(result: FileResult) -> None:
    if isinstance(result, FileFailure):
        assert result.diagnostic.code in _BAD_INPUT, result.traceback or result.diagnostic.message
    else:
        assert isinstance(result, FileFacts)


def _compiles(source: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(source, "<generated>", "exec")
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False
    return True


@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_grammar())
def test_generated_source_never_crashes(source: str) -> None:
    result = analyze_source(JOB, source)
    _no_bug(result)
    if isinstance(result, FileFailure) and result.diagnostic.code == "syntax":  # bad input only if it is bad
        assert not _compiles(source), f"Python compiles it, the analyzer says: {result.diagnostic.message}"


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    text = decode(JOB, data)
    _no_bug(text if isinstance(text, FileFailure) else analyze_source(JOB, text))


def _broken_call(walker: Walker, node: Any) -> None:
    raise KeyError("a bug in a handler")


def test_a_bug_in_the_walker_is_internal_with_its_traceback() -> None:
    handlers = {**HANDLERS, cst.Call: _broken_call}
    result = analyze_source(JOB, "x = 1\nprint(x)\n", handlers)
    assert isinstance(result, FileFailure)
    assert result.diagnostic.code == "internal"
    assert "KeyError: 'a bug in a handler'" in result.traceback
    assert "_broken_call" in result.traceback
    with pytest.raises(AssertionError, match="a bug in a handler"):
        _no_bug(result)  # the property tests above fail on it


def test_valid_python_libcst_cannot_read_is_not_called_a_syntax_error() -> None:
    """Found by the property test above: a line continuation, then a CRLF at the end of the file. Python compiles
    it; libcst's tokenizer refuses it."""
    source = "\n\\\r\n"
    assert _compiles(source)
    result = analyze_source(JOB, source)
    assert isinstance(result, FileFailure) and result.diagnostic.code == "unparsable", result
    assert "Python accepts this file but libcst cannot parse it" in result.diagnostic.message


def test_a_syntax_error_is_not_internal() -> None:
    result = analyze_source(JOB, "def f(:\n")
    assert isinstance(result, FileFailure)
    assert (result.diagnostic.code, result.diagnostic.line, result.traceback) == ("syntax", 1, "")
