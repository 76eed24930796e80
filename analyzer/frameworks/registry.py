"""Application objects and their registrations: Flask apps and blueprints (``register_blueprint``), FastAPI
apps and routers (``include_router``), Starlette apps; the URL prefixes each one's routes get."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from analyzer.frameworks.common import Context, site_call, text

FLASK_KINDS: Final = {"Flask": "flask-app", "Quart": "flask-app", "Blueprint": "blueprint"}
STARLETTE_KINDS: Final = {"FastAPI": "fastapi-app", "Starlette": "starlette-app", "APIRouter": "router"}


@dataclass
class Owner:
    """An app, blueprint or router assigned to a module variable."""

    var: str  # node id of the variable (``app.views.bp``)
    kind: str  # flask-app | blueprint | fastapi-app | starlette-app | router
    prefix: str
    name: str  # a blueprint's name
    file: str
    line: int
    mounts: list[tuple[str | None, str]] = field(default_factory=list)  # (parent var or None, prefix)

    @property
    def framework(self) -> str:
        """flask or starlette (FastAPI is Starlette underneath)."""
        return "flask" if self.kind in ("flask-app", "blueprint") else "starlette"


class Registry:
    """Every owner in the tree and where it is registered."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.owners: dict[str, Owner] = {}
        kinds = {**FLASK_KINDS, **STARLETTE_KINDS}
        for module, site in ctx.sites(*kinds):
            call = site_call(site)
            if not site.target:
                continue
            var = f"{module}.{site.target}" if not site.scope else f"{module}.{site.scope}.{site.target}"
            kind = kinds[call.last]
            prefix = text(call.arg(99, "url_prefix" if kind == "blueprint" else "prefix")) or ""
            name = text(call.arg(0, "name")) or site.target if kind == "blueprint" else site.target
            self.owners[var] = Owner(var, kind, prefix, name, ctx.file(module), site.line)
        for module, site in ctx.sites("register_blueprint", "include_router"):
            call = site_call(site)
            child = self.owner_of(module, _arg_expr(call.arg(0, "blueprint" if call.last == "register_blueprint"
                                                             else "router")))
            if child is None:
                continue
            parent = self.owner_of(module, call.base())
            given = text(call.arg(99, "url_prefix" if call.last == "register_blueprint" else "prefix"))
            if call.last == "register_blueprint":
                prefix = given if given is not None else child.prefix
            else:
                prefix = (given or "") + child.prefix
            child.mounts.append((parent.var if parent is not None else None, prefix))

    def owner_of(self, module: str, expr: object) -> Owner | None:
        """The owner a reference names: a module variable, or a local of the function it was made in."""
        if not isinstance(expr, tuple) or len(expr) != 3:
            return None
        var = self.ctx.var_of(module, expr)
        if var is None and expr[0] == "n" and not expr[2]:
            local = [v for v in self.owners if v.startswith(module + ".") and v.rpartition(".")[2] == expr[1]]
            var = local[0] if len(local) == 1 else None
        return self.owners.get(var) if var is not None else None

    def prefixes(self, owner: Owner | None, depth: int = 0) -> list[str]:
        """Every full prefix the owner's routes get (one per registration path; its own when unregistered)."""
        if owner is None:
            return [""]
        if owner.kind.endswith("-app") or depth > 8:
            return [owner.prefix]
        if not owner.mounts:
            return [owner.prefix]
        out: list[str] = []
        for parent, prefix in owner.mounts:
            above = self.prefixes(self.owners.get(parent) if parent else None, depth + 1)
            out.extend(a.rstrip("/") + prefix for a in above)
        return out


def _arg_expr(value: object) -> object:
    if isinstance(value, tuple) and value and value[0] == "x":
        return value[1]
    return None
