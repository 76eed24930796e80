"""Whatever the source, the per-file phase returns facts or a failure: it never raises."""

from __future__ import annotations

import hypothesmith
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.facts import FileFacts, FileFailure
from analyzer.worker import analyze_source, decode

JOB = ("/dev/null", "pkg/mod.py", "pkg.mod", False)


@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_grammar())
def test_generated_source_never_crashes(source: str) -> None:
    result = analyze_source(JOB, source)
    assert isinstance(result, (FileFacts, FileFailure))


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    text = decode(JOB, data)
    result = text if isinstance(text, FileFailure) else analyze_source(JOB, text)
    assert isinstance(result, (FileFacts, FileFailure))
