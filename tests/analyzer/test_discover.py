"""Which files are modules, what they are called, and what is left out."""

from __future__ import annotations

from pathlib import Path

from analyzer.discover import discover, module_name


def _touch(root: Path, *paths: str) -> None:
    for path in paths:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text("x = 1\n")


def test_module_names() -> None:
    assert module_name("shop/orders/service.py") == ("shop.orders.service", False)
    assert module_name("shop/__init__.py") == ("shop", True)
    assert module_name("main.py") == ("main", False)


def test_excludes_what_users_expect(tmp_path: Path) -> None:
    _touch(tmp_path, "main.py", "shop/__init__.py", "shop/a.py", ".git/hooks/x.py", "venv2/lib/y.py",
           "node_modules/z.py", "build/lib/shop/a.py", "shop/__pycache__/a.py", "shop/gen/skip.py",
           "shop/notes_test.py", "docs/conf.py", "pkg.egg-info/w.py")
    (tmp_path / "venv2" / "pyvenv.cfg").write_text("home = /usr\n")
    (tmp_path / ".gitignore").write_text("# comment\nshop/gen/\n")
    tree = discover(tmp_path, exclude=["*_test.py", "docs/"])
    assert [job[1] for job in tree.jobs] == ["main.py", "shop/__init__.py", "shop/a.py"]


def test_gitignore_files_below_the_root_apply_to_their_folder_as_in_git(tmp_path: Path) -> None:
    _touch(tmp_path, "app/__init__.py", "app/local.py", "app/gen_a.py", "app/gen_keep.py", "app/sub/local.py",
           "app/sub/gen_b.py", "other/gen_c.py", "other/local.py", "app/cache/x.py")
    (tmp_path / ".gitignore").write_text("cache/\n")
    (tmp_path / "app" / ".gitignore").write_text("# generated code\ngen_*.py\n!gen_keep.py\n/local.py\n")
    tree = discover(tmp_path)
    assert [job[1] for job in tree.jobs] == [
        "app/__init__.py",
        "app/gen_keep.py",      # re-included by the negation
        "app/sub/local.py",     # /local.py is anchored to app/
        "other/gen_c.py",       # app/.gitignore says nothing about other/
        "other/local.py",
    ]
    # the pattern files are checked in the order git applies them: the deeper file wins
    (tmp_path / "app" / "sub" / ".gitignore").write_text("!gen_b.py\n")
    assert "app/sub/gen_b.py" in [job[1] for job in discover(tmp_path).jobs]


def test_namespace_packages(tmp_path: Path) -> None:
    _touch(tmp_path, "ns/sub/mod.py", "ns/sub/deeper/__init__.py", "top.py")
    tree = discover(tmp_path)
    assert tree.namespace_packages == ("ns", "ns.sub")
    assert {job[2] for job in tree.jobs} == {"ns.sub.mod", "ns.sub.deeper", "top"}


def test_source_that_is_a_package_is_flagged(tmp_path: Path) -> None:
    _touch(tmp_path, "__init__.py", "a.py")
    tree = discover(tmp_path)
    assert [(d.file, d.code) for d in tree.diagnostics] == [("__init__.py", "source-is-package")]
