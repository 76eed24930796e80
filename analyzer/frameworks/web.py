"""Flask and FastAPI/Starlette routes read statically: ``@bp.route`` / ``@app.get`` / ``@router.post``,
``add_url_rule``, ``add_api_route``, Starlette ``Route``/``Mount`` lists, with the prefixes of
``register_blueprint``/``Blueprint(url_prefix=...)`` and ``include_router``/``APIRouter(prefix=...)``."""

from __future__ import annotations

from typing import Final

from analyzer import facts as F
from analyzer.frameworks import routes as R
from analyzer.frameworks.common import Call, Context, call_of, items, site_call, strings, text
from analyzer.frameworks.registry import Owner, Registry

_VERBS: Final = frozenset({"get", "post", "put", "patch", "delete", "head", "options"})
_TOPS: Final = {"flask": "flask", "quart": "flask", "fastapi": "starlette", "starlette": "starlette"}


def routes(ctx: Context) -> list[R.Route]:
    """Every Flask and Starlette route found."""
    registry = Registry(ctx)
    found: list[R.Route] = []
    for module, site in ctx.sites():
        call = site_call(site)
        if site.decorates:
            view = f"{module}.{site.decorates}"
            found.extend(_decorated(ctx, registry, module, site, call=call, view=view))
        elif call.last in ("add_url_rule", "add_api_route"):
            found.extend(_added(ctx, registry, module, site, call))
        elif call.last in ("Route", "WebSocketRoute", "Mount") and _framework(ctx, module, None, call) == "starlette":
            found.extend(_starlette(ctx, module, site.line, call, prefix=""))
        elif call.last in ("Starlette", "FastAPI"):
            for value in items(call.arg(99, "routes")):
                inner = call_of(value)
                if inner is not None and inner.last in ("Route", "WebSocketRoute", "Mount"):
                    found.extend(_starlette(ctx, module, site.line, inner, prefix=""))
    return found


def _framework(ctx: Context, module: str, owner: Owner | None, call: Call) -> str | None:
    if owner is not None:
        return owner.framework
    target = ctx.resolve(module, call.func)
    if target is not None and target[0] == "ext":
        top = target[1].split(".")[0]
        if top in _TOPS:
            return _TOPS[top]
    tops = {imported.module.split(".")[0] for imported in ctx.files[module].imports}
    for top, framework in _TOPS.items():
        if top in tops:
            return framework
    return None


def _decorated(ctx: Context, registry: Registry, module: str, site: F.Site, *, call: Call,
               view: str) -> list[R.Route]:
    owner = registry.owner_of(module, call.base())
    framework = _framework(ctx, module, owner, call)
    if framework is None:
        return []
    path = text(call.arg(0, "rule" if framework == "flask" else "path"))
    if path is None:
        return []
    last = call.last
    if last in _VERBS:
        methods: tuple[str, ...] = (last.upper(),)
    elif last == "websocket":
        methods = ()
    else:
        methods = R.methods_of(strings(call.arg(99, "methods")), ("GET",))
    name = text(call.arg(99, "endpoint" if framework == "flask" else "name")) or site.decorates.rpartition(".")[2]
    if framework == "flask" and owner is not None and owner.kind == "blueprint":
        name = f"{owner.name}.{name}"
    file = ctx.file(module)
    return [R.make(framework, methods, R.join(prefix, path), name=name, file=file, line=site.line, view=view)
            for prefix in registry.prefixes(owner)]


def _added(ctx: Context, registry: Registry, module: str, site: F.Site, call: Call) -> list[R.Route]:
    owner = registry.owner_of(module, call.base())
    framework = "flask" if call.last == "add_url_rule" else "starlette"
    path = text(call.arg(0, "rule" if framework == "flask" else "path"))
    if path is None:
        return []
    view_value = call.arg(2, "view_func") if framework == "flask" else call.arg(1, "endpoint")
    view = view_of(ctx, module, view_value)
    methods = R.methods_of(strings(call.arg(99, "methods")), ("GET",))
    name = text(call.arg(1, "endpoint")) if framework == "flask" else text(call.arg(99, "name"))
    as_view = call_of(view_value)
    if name is None and as_view is not None:
        name = text(as_view.arg(0, "name"))
    if name is None and view is not None:
        name = view.rpartition(".")[2]
    if framework == "flask" and name and owner is not None and owner.kind == "blueprint":
        name = f"{owner.name}.{name}"
    return [R.make(framework, methods, R.join(prefix, path), name=name, file=ctx.file(module), line=site.line,
                   view=view) for prefix in registry.prefixes(owner)]


def view_of(ctx: Context, module: str, value: F.Value | None) -> str | None:
    """The function or class a view argument names (``V.asview_of("name")`` -> ``V``)."""
    if value is None:
        return None
    if value[0] == "x":
        return ctx.node_of(module, value[1])  # type: ignore[arg-type]
    inner = call_of(value)
    if inner is not None and inner.last in ("as_view", "as_asgi", "as_wsgi") and inner.func is not None:
        return ctx.node_of(module, inner.base())
    return None


def _starlette(ctx: Context, module: str, line: int, call: Call, *, prefix: str, depth: int = 0) -> list[R.Route]:
    path = text(call.arg(0, "path"))
    if path is None or depth > 6:
        return []
    full = R.join(prefix, path)
    if call.last == "Mount":
        out: list[R.Route] = []
        for value in items(call.arg(99, "routes")):
            inner = call_of(value)
            if inner is not None and inner.last in ("Route", "WebSocketRoute", "Mount"):
                out.extend(_starlette(ctx, module, line, inner, prefix=full, depth=depth + 1))
        return out
    view = view_of(ctx, module, call.arg(1, "endpoint"))
    is_function = view is not None and ctx.builder.nodes.get(view, {}).get("kind") == "function"
    methods = () if call.last == "WebSocketRoute" else R.methods_of(strings(call.arg(99, "methods")),
                                                                      ("GET",) if is_function else ())
    name = text(call.arg(99, "name")) or (view.rpartition(".")[2] if view else None)
    return [R.make("starlette", methods, full, name=name, file=ctx.file(module), line=line, view=view)]
