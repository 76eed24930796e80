"""Every name-resolution rule on a small real program, with the exact edges expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from cleave.formats.graph import CodeGraph
from tests.analyzer._util import edge, edges, out, run


@pytest.fixture(scope="module")
def imports() -> CodeGraph:
    return run("imports")


def test_import_forms_resolve_calls(imports: CodeGraph) -> None:
    # import a.b as c; from x import y as z; from .. import mod; import pkg + pkg.sub.f(); re-export in
    # __init__; star import honouring __all__; a local alias f = u.other
    assert out(imports, "app.orders.service.place", "calls") == {
        "app.util.helper", "app.util.other", "app.stars.starred"}
    assert edge(imports, "app.orders.service.place", "app.util.helper", "calls")["lines"] == [10, 13, 14]
    assert edge(imports, "app.orders.service.place", "app.util.other", "calls")["lines"] == [11, 12, 17]
    assert edge(imports, "app.orders.service.place", "app.stars.starred", "calls")["lines"] == [15]


def test_import_edges_and_names(imports: CodeGraph) -> None:
    assert edges(imports, "imports") == {
        ("app", "app.orders"), ("app", "app.util"), ("app.aliases", "app.util"),
        ("app.orders.service", "app"), ("app.orders.service", "app.stars"), ("app.orders.service", "app.util"),
        ("app.typed", "app.orders.service"), ("app.uses_ns", "app.util"), ("app.uses_ns", "nspkg.sub.mod"),
    }
    assert edge(imports, "app.orders.service", "app.util", "imports")["names"] == ["helper", "other", "util"]
    assert edge(imports, "app.orders.service", "app.stars", "imports")["names"] == ["*"]


def test_type_checking_and_lazy_imports_are_marked(imports: CodeGraph) -> None:
    typed = edge(imports, "app.typed", "app.orders.service", "imports")
    assert typed["type_checking"] is True and typed["lazy"] is False
    dynamic = edge(imports, "app.uses_ns", "app.util", "imports")  # importlib.import_module("app.util") in a def
    assert dynamic["lazy"] is True and dynamic["type_checking"] is False
    plain = edge(imports, "app", "app.util", "imports")
    assert plain["lazy"] is False and plain["type_checking"] is False


def test_import_inside_function_resolves(imports: CodeGraph) -> None:
    assert out(imports, "app.orders.service.lazy", "calls") == {"app.util.helper"}


def test_module_global_alias(imports: CodeGraph) -> None:
    assert out(imports, "app.aliases.go", "calls") == {"app.util.helper"}
    assert out(imports, "app.aliases.go", "reads") == {"app.aliases.run"}


def test_pep420_namespace_package(imports: CodeGraph) -> None:
    assert out(imports, "app.uses_ns.call", "calls") == {"nspkg.sub.mod.f"}
    for name in ("nspkg", "nspkg.sub"):
        assert imports.graph.nodes[name] == {"kind": "module", "is_package": True, "namespace": True}


def test_dynamic_import_of_a_computed_name_is_a_diagnostic(imports: CodeGraph) -> None:
    assert [(d.file, d.line, d.code) for d in imports.diagnostics] == [("app/uses_ns.py", 12, "dynamic-import")]


def test_star_import_respects_all(imports: CodeGraph) -> None:
    assert out(imports, "app.stars.starred", "calls") == {"app.stars.hidden"}


@pytest.fixture(scope="module")
def classes() -> CodeGraph:
    return run("classes")


def test_methods_self_super_mro_and_instances(classes: CodeGraph) -> None:
    assert out(classes, "shop.models.Order.save", "calls") == {
        "shop.base.Base.validate",  # self.validate(): inherited through the MRO
        "shop.base.Base.save",  # super().save()
        "shop.base.Mixin.log",  # self.log() from the first base
        "shop.models.Repo.store",  # self.repo = Repo() in __init__, then self.repo.store()
    }
    assert out(classes, "shop.models.make", "calls") == {
        "shop.models.Order", "shop.models.Order.save", "shop.base.Base.validate"}
    assert out(classes, "shop.models.Order.build", "calls") == {"shop.models.Order"}  # cls() in a classmethod


def test_inherits_and_contains(classes: CodeGraph) -> None:
    assert edges(classes, "inherits") == {("shop.models.Order", "shop.base.Mixin"),
                                          ("shop.models.Order", "shop.base.Base")}
    assert out(classes, "shop.models.Order", "contains") == {
        "shop.models.Order.__init__", "shop.models.Order.save", "shop.models.Order.build", "shop.models.Order.pure"}
    assert out(classes, "shop.models.decorated", "contains") == {"shop.models.decorated.inner"}
    assert out(classes, "shop.models.decorated.inner", "calls") == {"shop.models.make"}


def test_decorators_and_node_attributes(classes: CodeGraph) -> None:
    nodes = classes.graph.nodes
    assert out(classes, "shop.models", "calls") == {"shop.models.decorate"}  # applied at import time
    assert nodes["shop.models.decorated"]["decorators"] == ["shop.models.decorate"]
    assert nodes["shop.models.Order.build"]["decorators"] == ["classmethod"]
    assert nodes["shop.models.Order"]["bases"] == ["Mixin", "Base"]
    assert nodes["shop.models.Order"]["line"] == 9 and nodes["shop.models.Order"]["end_line"] == 25
    save = nodes["shop.models.Order.save"]
    assert (save["is_method"], save["is_async"], save["is_generator"]) == (True, False, False)
    assert nodes["shop.models.make"]["is_method"] is False


def test_module_globals_reads_and_writes() -> None:
    graph = run("state")
    assert edges(graph, "writes") == {
        ("shop.cache.put", "shop.cache.STORE"),  # item assignment
        ("shop.cache.bump", "shop.cache.COUNT"),  # global + augmented assignment
        ("shop.cache.add", "shop.cache.ITEMS"),  # a mutating method
        ("shop.user.reset", "shop.cache.COUNT"),  # attribute assignment through the module
    }
    assert edges(graph, "reads") == {
        ("shop.cache.add", "shop.cache.ITEMS"), ("shop.cache.get", "shop.cache.STORE"),
        ("shop.user.read", "shop.cache.STORE"), ("shop.user.read", "shop.cache.COUNT"),
    }
    assert graph.nodes_of_kind("variable") == ["shop.cache.COUNT", "shop.cache.ITEMS", "shop.cache.STORE"]


def test_sql_tables_from_strings_and_models() -> None:
    graph = run("sql")
    tables = {(u, v, tuple(d["ops"])) for u, v, d in graph.edges_of_kind("uses_table")}
    assert tables == {
        ("shop.db.create", "table:orders", ("create",)),
        ("shop.db.report", "table:orders", ("select",)),
        ("shop.db.report", "table:customers", ("select",)),
        ("shop.db.insert", "table:orders", ("insert",)),
        ("shop.db.update", "table:customers", ("update",)),
        ("shop.db.delete", "table:orders", ("delete",)),
        ("shop.catalog.models.Product", "table:catalog_product", ("declare",)),
        ("shop.catalog.models.Tag", "table:shop_tags", ("declare",)),  # Meta.db_table
        ("shop.catalog.models.Note", "table:catalog_note", ("declare",)),  # through an abstract base
        ("shop.catalog.views.listing", "table:catalog_product", ("select",)),
        ("shop.catalog.views.add", "table:catalog_product", ("insert",)),
        ("shop.catalog.views.rename", "table:catalog_product", ("insert", "update")),
        ("shop.alchemy.User", "table:users", ("declare",)),  # __tablename__
        ("shop.alchemy", "table:audit_log", ("declare",)),  # Table("audit_log", metadata, ...)
    }
    assert edge(graph, "shop.db.report", "table:customers", "uses_table")["lines"] == [11]


def test_third_party_distributions_and_requirements() -> None:
    graph = run("thirdparty")
    assert edges(graph, "uses_package") == {
        ("svc", "package:pillow"), ("svc", "package:pyyaml"), ("svc", "package:requests")}
    nodes = graph.graph.nodes
    assert nodes["package:pillow"]["requirement"] == "Pillow==10.0.0"
    assert nodes["package:pillow"]["import_names"] == ["PIL"]
    assert nodes["package:pyyaml"]["requirement"] == "PyYAML>=6"
    assert nodes["package:pyyaml"]["version"]  # installed here, with its version
    assert nodes["package:requests"]["requirement"] is None
    assert edges(graph, "imports") == set()  # json and os.path are stdlib: left out


def test_calls_record_what_crosses_besides_data() -> None:
    graph = run("passes")
    passes = {v: d["passes"] for _, v, d in graph.edges_of_kind("calls")}
    assert passes == {
        "shop.tasks.take_callable": ["callable"],  # a lambda and a function
        "shop.tasks.take_file": ["file"],  # with open(...) as fh
        "shop.tasks.take_generator": ["generator"],  # gen() and a generator expression
        "shop.tasks.gen": [],
    }
    assert graph.graph.nodes["shop.tasks.gen"]["is_generator"] is True


def test_django_models_when_django_itself_is_in_the_tree(tmp_path: Path) -> None:
    files = {
        "django/__init__.py": "", "django/db/__init__.py": "",
        "django/db/models/__init__.py": "from django.db.models.base import Model\n",
        "django/db/models/base.py": "class Model:\n    def save(self):\n        return None\n",
        "shop/__init__.py": "",
        "shop/models.py": "from django.db import models\n\n\nclass Item(models.Model):\n    pass\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    graph = run(tmp_path)
    assert edges(graph, "uses_table") == {("shop.models.Item", "table:shop_item")}
    assert edges(graph, "inherits") == {("shop.models.Item", "django.db.models.base.Model")}
