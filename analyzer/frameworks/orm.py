"""ORM models and the tables they declare; foreign keys, many-to-many through tables and relationships as
``references`` edges between tables.

SQLAlchemy: ``__tablename__``, ``__table__ = Table(...)``, Flask-SQLAlchemy's implicit snake_case names (a
subclass of a model without its own name shares its parent's table), ``ForeignKey("table.col")``,
``relationship("Model", secondary=...)``, ``Table("assoc", ..., Column(..., ForeignKey(...)))``.
Django: ``<app_label>_<model>`` or ``Meta.db_table`` (abstract models have none), ``ForeignKey``,
``OneToOneField``, ``ManyToManyField`` (with its implicit ``<table>_<field>`` through table),
``"app.Model"`` / ``"self"`` / ``settings.AUTH_USER_MODEL`` / ``get_user_model()`` targets.
"""

from __future__ import annotations

import re
from typing import Final, NamedTuple

from analyzer import facts as F
from analyzer.frameworks.common import Builder, Call, Context, call_of, items, site_call, text

_DJANGO_MODEL: Final = re.compile(r"(^|\.)models(\.base)?\.Model$"
                                  r"|^django\.contrib\.\w+\.(base_user|models)\.(Abstract\w*|\w*User|Group|Permission)$")
_FLASK_SQLALCHEMY: Final = re.compile(r"^flask_sqlalchemy\b.*\.Model$")
_SNAKE: Final = re.compile(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))")
_DJANGO_FIELDS: Final = frozenset({"ForeignKey", "OneToOneField", "ManyToManyField"})
USER_MODEL_CALL: Final = "django.contrib.auth.get_user_model()"


class ModelTable(NamedTuple):
    """The table an ORM model class declares."""

    table: str
    orm: str  # django | sqlalchemy
    app_label: str  # Django's app label ("" for SQLAlchemy)


def snake_case(name: str) -> str:
    """Flask-SQLAlchemy's implicit table name for a class name (``OrderItem`` -> ``order_item``)."""
    return _SNAKE.sub(r"_\1", name).lower().lstrip("_")


def model_tables(builder: Builder) -> dict[str, ModelTable]:
    """Class id -> the table its ORM model declares."""
    index = builder.index
    hints = {f"{m}.{h.qual}": h for m, file in builder.files.items() for h in file.models}
    explicit = {f"{m}.{s.scope}": text(s.args[0]) if s.args else None for m, file in builder.files.items()
                for s in file.sites if s.target == "__table__" and s.scope and s.name.endswith("Table")}
    found: dict[str, ModelTable] = {}
    for node, info in sorted(index.defs.items(), key=lambda item: len(index.mro(item[0]))):
        if info.kind != "class":
            continue
        hint = hints.get(node)
        name = info.qual.rpartition(".")[2]
        external = index.all_external_bases(node)
        if hint is not None and hint.tablename:
            found[node] = ModelTable(hint.tablename.lower(), "sqlalchemy", "")
        elif explicit.get(node):
            found[node] = ModelTable(str(explicit[node]).lower(), "sqlalchemy", "")
        elif any(_DJANGO_MODEL.search(b) for b in external) or any(
                _DJANGO_MODEL.search(c) for c in index.mro(node)[1:]):
            if hint is not None and hint.abstract:
                continue
            label = hint.app_label if hint is not None and hint.app_label else _app_label(info.module)
            table = hint.db_table if hint is not None and hint.db_table else f"{label}_{name.lower()}"
            found[node] = ModelTable(table.lower(), "django", label)
        elif any(_FLASK_SQLALCHEMY.search(b) for b in external) and not (hint is not None and hint.abstract):
            parent = next((found[c] for c in index.mro(node)[1:] if c in found), None)
            found[node] = parent if parent is not None else ModelTable(snake_case(name), "sqlalchemy", "")
    return found


def _app_label(module: str) -> str:
    parts = module.split(".")
    if "models" in parts:
        at = len(parts) - 1 - parts[::-1].index("models")
        return parts[at - 1] if at > 0 else parts[0]
    return parts[-2] if len(parts) > 1 else parts[0]


def user_model(ctx: Context, models: dict[str, ModelTable]) -> str | None:
    """The class ``AUTH_USER_MODEL`` names (a project model), or None."""
    setting = ctx.meta.get("auth_user_model")
    if not isinstance(setting, str) or "." not in setting:
        return None
    label, _, name = setting.rpartition(".")
    for node, model in models.items():
        if model.app_label == label and node.rpartition(".")[2] == name:
            return node
    return None


class _Targets(NamedTuple):
    """How relation targets are looked up."""

    models: dict[str, ModelTable]
    by_label: dict[tuple[str, str], str]  # (Django app label, class name) -> class id
    by_name: dict[str, str]  # class name -> class id (the first)
    user: str | None  # the AUTH_USER_MODEL class


def references(ctx: Context, models: dict[str, ModelTable]) -> None:
    """``references`` edges (and implicit through tables) from model fields and ``Table(...)`` calls."""
    by_name: dict[str, str] = {}
    for node in models:
        by_name.setdefault(node.rpartition(".")[2], node)
    targets = _Targets(models, {(m.app_label, n.rpartition(".")[2]): n for n, m in models.items() if m.orm == "django"},
                       by_name, user_model(ctx, models))
    for module, site in ctx.sites("ForeignKey", "OneToOneField", "ManyToManyField", "relationship", "Table"):
        call = site_call(site)
        owner = ctx.scope(module, site)
        model = models.get(owner)
        if call.last == "Table":
            name = text(call.arg(0))
            for target in _foreign_keys(call.args) if name else ():
                _reference(ctx, str(name).lower(), target, module, site.line)
        elif model is not None and model.orm == "sqlalchemy":
            _sqlalchemy_field(ctx, module, site, call, model=model, targets=targets)
        elif model is not None and call.last in _DJANGO_FIELDS:
            _django_field(ctx, module, site, call, owner=owner, targets=targets)


def _sqlalchemy_field(ctx: Context, module: str, site: F.Site, call: Call, *, model: ModelTable,
                      targets: _Targets) -> None:
    if call.last == "ForeignKey":
        target = text(call.arg(0, "column"))
        if target and "." in target:
            _reference(ctx, model.table, target.rsplit(".", 2)[-2].lower(), module, site.line)
    elif call.last == "relationship":
        other = _model_named(ctx, module, call.arg(0, "argument"), targets.by_name)
        if other is not None and other in targets.models:
            _reference(ctx, model.table, targets.models[other].table, module, site.line)


def _django_field(ctx: Context, module: str, site: F.Site, call: Call, *, owner: str, targets: _Targets) -> None:
    model = targets.models[owner]
    other = _django_target(ctx, module, call, owner, targets)
    target_table = targets.models[other].table if other in targets.models else (
        "auth_user" if other == "auth" else None)
    if target_table is None:
        return
    if call.last == "ManyToManyField" and call.arg(99, "through") is None and site.target:
        through = f"{model.table}_{site.target.lower()}"
        ctx.builder.table_edge(owner, through, ("declare",), site.line)
        _reference(ctx, through, model.table, module, site.line)
        _reference(ctx, through, target_table, module, site.line)
    else:
        _reference(ctx, model.table, target_table, module, site.line)


def _reference(ctx: Context, source: str, target: str, module: str, line: int) -> None:
    ctx.builder.table_node(source)
    ctx.builder.table_node(target)
    ctx.edge(ctx.builder.table_id(source), ctx.builder.table_id(target), "references", line, file=ctx.file(module))


def _foreign_keys(values: tuple[F.Value, ...], depth: int = 0) -> list[str]:
    """Tables named by ``ForeignKey("table.col")`` anywhere in ``values``."""
    found: list[str] = []
    for value in values:
        inner = call_of(value)
        if inner is not None and depth < 4:
            if inner.last == "ForeignKey":
                target = text(inner.arg(0, "column"))
                if target and "." in target:
                    found.append(target.rsplit(".", 2)[-2].lower())
            found.extend(_foreign_keys(inner.args + tuple(v for _, v in inner.kwargs), depth + 1))
        elif value[0] == "l":
            found.extend(_foreign_keys(items(value), depth + 1))
    return found


def _model_named(ctx: Context, module: str, value: F.Value | None, by_name: dict[str, str]) -> str | None:
    name = text(value)
    if name is not None:
        return by_name.get(name.rpartition(".")[2])
    if value is not None and value[0] == "x":
        return ctx.node_of(module, value[1], ("class",))  # type: ignore[arg-type]
    return None


def _django_target(ctx: Context, module: str, call: Call, owner: str, targets: _Targets) -> str | None:
    """The model a Django relation field points to ("auth" for Django's own user model)."""
    value = call.arg(0, "to")
    name = text(value)
    user = targets.user or "auth"
    if name is not None:
        label, _, model_name = name.rpartition(".")
        return owner if name == "self" else targets.by_label.get((label or targets.models[owner].app_label,
                                                                  model_name))
    inner = call_of(value)
    if inner is not None:
        return user if inner.last == "get_user_model" else None
    if value is None or value[0] != "x":
        return None
    written = value[1]
    node = ctx.node_of(module, written, ("class",))  # type: ignore[arg-type]
    target = ctx.resolve(module, written)  # type: ignore[arg-type]
    is_user = (target is not None and target[0] == "ext" and target[1].endswith("AUTH_USER_MODEL")) or (
        isinstance(written, tuple) and str(written[2]).endswith("AUTH_USER_MODEL"))
    return node or (user if is_user else None)
