"""Django routes read statically: ``urlpatterns`` of ``path``/``re_path``/``url`` from ``ROOT_URLCONF`` down
through ``include("app.urls")``, ``include(module)``, ``include([...])`` and named pattern lists, with
class-based views (``View.as_view()``) handled by their class."""

from __future__ import annotations

from typing import Final

from analyzer.frameworks import routes as R
from analyzer.frameworks.common import Call, Context, call_of, items, site_call, text
from analyzer.frameworks.web import view_of

_PATTERNS: Final = ("path", "re_path", "url")
_MAX_DEPTH: Final = 12

Part = tuple[bool, str]  # (is a regex, pattern piece)


def routes(ctx: Context) -> list[R.Route]:
    """Every Django route reachable from the URL roots."""
    lists = _pattern_lists(ctx)
    roots = [m for m in (ctx.module_named(v) for v in _root_urlconfs(ctx)) if m is not None and m in lists]
    if not roots:
        included = _included(ctx)
        roots = sorted(m for m in lists if m.rpartition(".")[2] == "urls" and m not in included)
    found: list[R.Route] = []
    for root in roots:
        _walk(ctx, lists, root, _root_patterns(lists[root]), parts=[], depth=0, found=found)
    return found


def _root_patterns(named: dict[str, list[tuple[int, Call]]]) -> list[tuple[int, Call]]:
    """A URL module's ``urlpatterns`` with the other pattern lists it adds by name (``urlpatterns +=
    KB_PATTERNS``, often under an ``if``); lists that an ``include(NAME)`` in the module uses are left to it."""
    included = {inner.arg(0)[1][1] for calls in named.values() for _, call in calls  # type: ignore[index]
                if (inner := call_of(call.arg(1, "view"))) is not None and inner.last == "include"
                and inner.arg(0) is not None and inner.arg(0)[0] == "x"}  # type: ignore[index]
    out = list(named.get("urlpatterns", []))
    for name, calls in named.items():
        if name != "urlpatterns" and name not in included:
            out.extend(calls)
    return out


def _root_urlconfs(ctx: Context) -> list[str]:
    return [value for file in ctx.files.values() for setting in file.settings if setting.name == "ROOT_URLCONF"
            for value in setting.values]


def _pattern_lists(ctx: Context) -> dict[str, dict[str, list[tuple[int, Call]]]]:
    """module -> list name -> (line, pattern call) for module-level path()/re_path()/url() calls."""
    lists: dict[str, dict[str, list[tuple[int, Call]]]] = {}
    for module, site in ctx.sites(*_PATTERNS):
        if site.scope:
            continue
        name = site.target or "urlpatterns"
        lists.setdefault(module, {}).setdefault(name, []).append((site.line, site_call(site)))
    return lists


def _included(ctx: Context) -> set[str]:
    found: set[str] = set()
    for _, site in ctx.sites(*_PATTERNS):
        inner = call_of(site_call(site).arg(1, "view"))
        if inner is not None and inner.last == "include":
            name = text(inner.arg(0)) or text(next(iter(items(inner.arg(0))), None))
            module = ctx.module_named(name) if name else None
            if module is not None:
                found.add(module)
    return found


def _walk(ctx: Context, lists: dict[str, dict[str, list[tuple[int, Call]]]], module: str,
          patterns: list[tuple[int, Call]], *, parts: list[Part], depth: int, found: list[R.Route]) -> None:
    if depth > _MAX_DEPTH:
        return
    for line, call in patterns:
        piece = text(call.arg(0, "route" if call.last == "path" else "regex"))
        if piece is None:
            continue
        here = [*parts, (call.last != "path", piece)]
        inner = call_of(call.arg(1, "view"))
        if inner is not None and inner.last == "include":
            target_module, nested = _include_target(ctx, lists, module, inner)
            if target_module is not None:
                _walk(ctx, lists, target_module, nested, parts=here, depth=depth + 1, found=found)
            continue
        view = view_of(ctx, module, call.arg(1, "view"))
        name = text(call.arg(2, "name"))
        found.append(_route(here, name, ctx.file(module), line, view))


def _include_target(ctx: Context, lists: dict[str, dict[str, list[tuple[int, Call]]]], module: str,
                    include: Call) -> tuple[str | None, list[tuple[int, Call]]]:
    """(module the included patterns live in, the patterns) of ``include(...)``."""
    first = include.arg(0, "arg")
    if first is None:
        return None, []
    if first[0] == "l":
        calls = [c for c in (call_of(v) for v in items(first)) if c is not None and c.last in _PATTERNS]
        if calls:
            return module, [(0, c) for c in calls]
        first = items(first)[0] if items(first) else None
    name = text(first)
    if name is not None:
        found = ctx.module_named(name)
        return found, lists.get(found, {}).get("urlpatterns", []) if found else []
    if first is not None and first[0] == "x":
        target = ctx.resolve(module, first[1])  # type: ignore[arg-type]
        if target is not None and target[0] == "module":
            return target[1], lists.get(target[1], {}).get("urlpatterns", [])
        if target is not None and target[0] == "var":
            owner, _, var = target[1].rpartition(".")
            return owner, lists.get(owner, {}).get(var, [])
    return None, []


def _route(parts: list[Part], name: str | None, file: str, line: int, view: str | None) -> R.Route:
    if not any(is_regex for is_regex, _ in parts):
        return R.make("django", (), "/" + "".join(piece for _, piece in parts), name=name, file=file, line=line,
                      view=view)
    pieces = [piece if is_regex else R.pattern("django", piece)[0][1:-1] for is_regex, piece in parts]
    path, regex, prefix = R.regex_pattern(pieces)
    return R.Route("django", (), path, regex, prefix, name, file, line, view)

