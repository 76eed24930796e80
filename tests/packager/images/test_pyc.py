"""Unchecked-hash ``.pyc`` files whose bytes depend only on the source (not on the compiling process's state)."""

from __future__ import annotations

import importlib.util
import marshal
import sys
from pathlib import Path

from packager.oci.pyc import compile_many, pyc_path

STDLIB = Path(sys.base_prefix) / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}"


def sources(count: int) -> list[tuple[str, bytes]]:
    files = sorted(p for p in STDLIB.glob("*.py"))[:count]
    return [(f"/usr/local/lib/{p.name}", p.read_bytes()) for p in files]


def test_header_is_pep_552_unchecked_hash_and_the_code_runs() -> None:
    source = b"def double(x):\n    return 2 * x\n"
    (pyc,) = compile_many([("/app/m.py", source)])
    assert pyc is not None
    assert pyc[:4] == importlib.util.MAGIC_NUMBER
    assert int.from_bytes(pyc[4:8], "little") == 0b01
    assert pyc[8:16] == importlib.util.source_hash(source)
    namespace: dict[str, object] = {}
    exec(marshal.loads(pyc[16:]), namespace)
    assert namespace["double"](21) == 42  # type: ignore[operator]
    assert marshal.loads(pyc[16:]).co_filename == "/app/m.py"


def test_bytes_do_not_depend_on_batch_order_or_company() -> None:
    items = sources(60)
    alone = [compile_many([item])[0] for item in items[:5]]
    batch = compile_many(items)
    backwards = compile_many(list(reversed(items)))[::-1]
    assert batch[:5] == alone
    assert batch == backwards


def test_a_file_that_does_not_compile_gets_no_pyc() -> None:
    assert compile_many([("/app/bad.py", b"def (:\n"), ("/app/ok.py", b"x = 1\n")])[0] is None


def test_pyc_path() -> None:
    tag = sys.implementation.cache_tag
    assert pyc_path("app/pkg/mod.py") == f"app/pkg/__pycache__/mod.{tag}.pyc"
    assert pyc_path("top.py") == f"__pycache__/top.{tag}.pyc"
