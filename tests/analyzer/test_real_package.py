"""The analyzer on real code: copies of the standard library's ``json`` and ``email`` packages.

The expected edges were checked by reading Python 3.11's sources (json/__init__.py, decoder.py, encoder.py,
tool.py); every definition's line is checked against Python's own ``ast``.
"""

from __future__ import annotations

import ast
import email
import json
import shutil
from pathlib import Path

import pytest

from analyzer import analyze
from cleave.formats.graph import CodeGraph
from tests.analyzer._util import edge, out


def _copy(package: object, tmp: Path) -> Path:
    source = Path(package.__file__).parent  # type: ignore[attr-defined]
    shutil.copytree(source, tmp / source.name, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp


@pytest.fixture(scope="module")
def json_graph(tmp_path_factory: pytest.TempPathFactory) -> CodeGraph:
    return analyze(_copy(json, tmp_path_factory.mktemp("json")), jobs=1)


def test_json_module_level_instances_and_their_methods(json_graph: CodeGraph) -> None:
    # _default_encoder = JSONEncoder(...) at module level; dumps() returns _default_encoder.encode(obj)
    assert out(json_graph, "json", "calls") == {"json.encoder.JSONEncoder", "json.decoder.JSONDecoder"}
    # and cls(...).encode(obj) after `cls = JSONEncoder` (line 234): found through the value of cls
    assert edge(json_graph, "json.dumps", "json.encoder.JSONEncoder.encode", "calls")["lines"] == [231, 234]
    assert out(json_graph, "json.dumps", "reads") == {"json._default_encoder"}
    assert out(json_graph, "json.dump", "calls") == {"json.encoder.JSONEncoder.iterencode",
                                                     "json.encoder.JSONEncoder"}  # cls(...) after cls = JSONEncoder
    assert out(json_graph, "json.loads", "calls") == {
        "json.decoder.JSONDecoder.decode", "json.decoder.JSONDecodeError", "json.detect_encoding",
        "json.decoder.JSONDecoder"}  # cls(**kw) after cls = JSONDecoder
    assert out(json_graph, "json.load", "calls") == {"json.loads"}


def test_json_imports_and_self_calls(json_graph: CodeGraph) -> None:
    assert edge(json_graph, "json", "json.decoder", "imports")["names"] == ["JSONDecodeError", "JSONDecoder"]
    assert edge(json_graph, "json", "json.encoder", "imports")["names"] == ["JSONEncoder"]
    assert edge(json_graph, "json.decoder", "json.scanner", "imports")["names"] == ["scanner"]
    assert out(json_graph, "json.tool", "imports") == {"json"}
    assert out(json_graph, "json.decoder.JSONDecoder.decode", "calls") == {
        "json.decoder.JSONDecoder.raw_decode", "json.decoder.JSONDecodeError"}
    assert "json.encoder.JSONEncoder.iterencode" in out(json_graph, "json.encoder.JSONEncoder.encode", "calls")
    # scanner.make_scanner is a module global (c_make_scanner or py_make_scanner), read through the module
    assert "json.scanner.make_scanner" in out(json_graph, "json.decoder.JSONDecoder.__init__", "reads")
    assert out(json_graph, "json.tool.main", "calls") == {"json.load", "json.loads", "json.dump"}
    # nested functions calling each other through the enclosing function's scope
    # and through its parameters: iterencode passes self.default, the encoder function and its own floatstr
    # (`encode_basestring = c_encode_basestring or py_encode_basestring`; the C one is outside the tree)
    assert out(json_graph, "json.encoder._make_iterencode._iterencode", "calls") == {
        "json.encoder._make_iterencode._iterencode", "json.encoder._make_iterencode._iterencode_dict",
        "json.encoder._make_iterencode._iterencode_list", "json.encoder.JSONEncoder.default",
        "json.encoder.JSONEncoder.iterencode.floatstr", "json.encoder.py_encode_basestring",
        "json.encoder.py_encode_basestring_ascii"}
    assert json_graph.diagnostics == ()


def test_email_lines_match_python_ast_and_parallel_run(tmp_path: Path) -> None:
    src = _copy(email, tmp_path)
    graph = analyze(src, jobs=2)  # enough files for the process pool
    checked = 0
    for path in sorted((src / "email").rglob("*.py")):
        module = ".".join(path.relative_to(src).with_suffix("").parts).removesuffix(".__init__")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        stack: list[tuple[ast.AST, str]] = [(tree, module)]
        while stack:
            node, prefix = stack.pop()
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    name = f"{prefix}.{child.name}"
                    data = graph.graph.nodes[name]
                    assert (data["line"], data["kind"] == "class") == (
                        child.lineno, isinstance(child, ast.ClassDef)), name
                    checked += 1
                    stack.append((child, name))
                else:
                    stack.append((child, prefix))
    assert checked > 500
    assert out(graph, "email.message.EmailMessage", "inherits") == {"email.message.MIMEPart"}
    assert out(graph, "email.message.MIMEPart", "inherits") == {"email.message.Message"}
