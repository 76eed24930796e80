"""Split samples/shop by hand into three services that call each other over the kit, for the end-to-end test.

web (the gateway: everything else) -> customers (shop.customers.api) -> notifications (shop.notifications.api),
and web -> notifications directly. Each service tree is a full copy of the shop in which the facades owned by
other services are replaced by stubs: every top-level function keeps its name and calls the owner over RPC (a
crude stand-in for the packager's generated stubs, enough to prove the kit carries the shop's real values).
"""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

SHOP = Path(__file__).resolve().parents[2] / "samples" / "shop"
KIT = Path(__file__).resolve().parents[2] / "packager" / "kit"

OWNERS = {"customers": "shop.customers.api", "notifications": "shop.notifications.api"}


def stub_source(source: str, service: str, module: str) -> str:
    """``source`` with each top-level function's body replaced by a call to ``service``."""
    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            call = ast.parse(f"return _cleave_call({service!r}, '{module}.{node.name}', _args, _kwargs)").body[0]
            node.args = ast.arguments(posonlyargs=[], args=[], vararg=ast.arg("_args"), kwonlyargs=[],
                                      kw_defaults=[], kwarg=ast.arg("_kwargs"), defaults=[])
            node.body = [call]
    after = next(index for index, node in enumerate(tree.body)
                 if isinstance(node, ast.ImportFrom) and node.module == "__future__") + 1
    tree.body.insert(after, ast.parse("from cleave_kit.client import call as _cleave_call").body[0])
    return ast.unparse(ast.fix_missing_locations(tree))


def build(root: Path) -> dict[str, Path]:
    """The three service trees under ``root``: {service: tree}."""
    trees = {}
    for service, stubbed in (("web", ["customers", "notifications"]), ("customers", ["notifications"]),
                             ("notifications", [])):
        tree = root / service
        shutil.copytree(SHOP / "shop", tree / "shop", ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copytree(KIT, tree / "cleave_kit", ignore=shutil.ignore_patterns("__pycache__"))
        for owner in stubbed:
            module = OWNERS[owner]
            path = tree / (module.replace(".", "/") + ".py")
            path.write_text(stub_source(path.read_text(), owner, module))
        interface = []
        if service in OWNERS:
            module = OWNERS[service]
            source = (tree / (module.replace(".", "/") + ".py")).read_text()
            interface = [f"{module}.{node.name}" for node in ast.parse(source).body
                         if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")]
        spec = {"name": service, "interface": interface,
                "entry": "shop.web:application" if service == "web" else None, "health_path": "/healthz"}
        (tree / "service.json").write_text(json.dumps(spec))
        (root / f"{service}-data").mkdir()
        trees[service] = tree
    return trees
