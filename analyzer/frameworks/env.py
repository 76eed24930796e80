"""Environment reads: ``os.environ[...]``, ``os.environ.get``, ``os.getenv``, ``environ.Env`` and
python-decouple's ``config``, with their defaults: ``env:<NAME>`` nodes and ``reads_env`` edges."""

from __future__ import annotations

import re
from typing import Final

from analyzer.frameworks.common import Context, site_call, text
from cleave.formats.graph import ENV_PREFIX

_NAME: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_HELPERS: Final = frozenset({"env", "config"})  # environ.Env() instances are usually `env`; decouple's `config`


def apply(ctx: Context) -> None:
    """Add the env nodes and reads_env edges."""
    for module, site in ctx.sites():
        call = site_call(site)
        last = call.last
        name = call.name
        if name.endswith("[]"):
            default_index = -1
        elif name.endswith(("environ.get", "environ.setdefault", "environ.pop")) or last == "getenv":
            default_index = 1
        elif name in _HELPERS or name.startswith("env."):
            default_index = -2  # keyword `default` only (env("X", int) passes a cast second)
        else:
            continue
        variable = text(call.arg(0))
        if variable is None or not _NAME.match(variable):
            continue
        if default_index == -2 and not variable.isupper():
            continue
        default = None
        if default_index != -1:
            value = call.arg(default_index if default_index >= 0 else 99, "default")
            default = text(value)
        node = ENV_PREFIX + variable
        ctx.builder.nodes.setdefault(node, {"kind": "env"})
        ctx.edge(ctx.scope(module, site), node, "reads_env", site.line, default=default)
