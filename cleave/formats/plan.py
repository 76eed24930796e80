"""cleave.yaml: the plan (``format: cleave.plan/1``), written by ``cleave split`` and edited by people.

::

    format: cleave.plan/1
    source: .
    entry: shop.web:application          # the monolith's WSGI app; its service is the gateway
    seed: 42
    services:
      orders:
        modules: [shop.orders, shop.orders.*]   # globs over dotted module names
        pinned: true                            # `cleave split` keeps it as written
        replicas: 2
        resources: {cpu: 0.5, memory: 256Mi, pids: 128, disk: 1Gi}   # disk: the /data volume's quota
        requirements: [pyyaml==6.0.1]           # overrides the monolith's pin for this service only
    shared: [shop.util.*]                       # pure modules copied into every service that uses them
    infrastructure: [shop.db, shop.config]      # per-process helpers: each service that uses them runs its own copy
    rules:
      keep_together: [[shop.cart, shop.pricing]]
      keep_apart: [[shop.web, shop.orders]]
    boundaries:
      - {from: shop.web, to: shop.orders.service.place_order, how: rpc, where: shop/web.py:12}
      - {from: shop.x, to: shop.cache.STORE, how: blocker, why: ..., where: ..., accepted: false}
    metrics: {modularity: 0.61, ...}

Module patterns: an exact name beats a glob; between globs the one with the longest literal prefix wins; a tie
is an error naming both services. ``*`` matches any run of characters, dots included. ``cleave split`` reads the
pinned services first: a pinned exact name beats a pinned glob, which beats anything an unpinned service lists
(splitter/api.py ``pinned_modules``). ``infrastructure:`` modules, like ``shared`` ones, belong to no service: each
service that uses them gets its own copy (splitter/infrastructure.py says which modules qualify).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from cleave.formats.atomic import write_text_atomic
from cleave.formats.errors import FormatError
from cleave.formats.plan_edge import SEAMS, env_dict, parse_database, parse_env, parse_route_claim
from cleave.formats.plan_model import (
    BOUNDARY_KINDS,
    FORMAT,
    SERVICE_NAME,
    Boundary,
    BoundaryKind,
    Plan,
    Resources,
    Rules,
    ServicePlan,
    assign_modules,
    parse_memory,
)
from cleave.formats.yamlnodes import Located, load_located, plain

MIN_DISK, MAX_DISK = 16 << 20, 1 << 50
"""``resources.disk`` bounds: below 16 MiB an ext4 volume with a journal has no room left for data."""

__all__ = ["BOUNDARY_KINDS", "FORMAT", "SERVICE_NAME", "Boundary", "BoundaryKind", "Plan", "Resources", "Rules",
           "ServicePlan", "assign_modules", "dump_plan", "load_plan", "parse_memory", "parse_plan", "plan_to_dict",
           "save_plan"]


# ---------------------------------------------------------------------------------------------- reading


def _expect(located: Located, kind: type | tuple[type, ...], what: str, origin: str) -> Any:
    if not isinstance(located.value, kind):
        raise FormatError(f"{what} must be {_kind_name(kind)}, not {located.value!r}", path=origin,
                          line=located.line)
    return located.value


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {dict: "a mapping", list: "a list", str: "text", int: "a whole number", bool: "true or false",
             float: "a number"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _strings(located: Located, what: str, origin: str) -> tuple[str, ...]:
    if isinstance(located.value, str):
        return (located.value,)
    items = _expect(located, list, what, origin)
    return tuple(str(_expect(item, str, f"each of {what}", origin)) for item in items)


def _service(name: str, located: Located, origin: str) -> ServicePlan:
    if not SERVICE_NAME.match(name):
        raise FormatError(f"service name {name!r} must be lower-case letters, digits and '-', starting with a "
                          "letter (it becomes a hostname and an image tag)", path=origin, line=located.where)
    body = _expect(located, dict, f"service {name!r}", origin)
    known = {"modules", "pinned", "replicas", "resources", "requirements", "why", "routes", "seam", "env"}
    for key, value in body.items():
        if key not in known:
            raise FormatError(f"service {name!r} has unknown field {key!r} (known: {', '.join(sorted(known))})",
                              path=origin, line=value.line)
    seam = body.get("seam")
    if seam is not None and seam.value not in SEAMS:
        raise FormatError(f"seam of {name!r} must be one of {', '.join(SEAMS)}, not {seam.value!r}", path=origin,
                          line=seam.line)
    routes = _strings(body["routes"], f"routes of {name!r}", origin) if "routes" in body else ()
    for route in routes:
        parse_route_claim(route, f"service {name!r}", origin, body["routes"].line)
    edge = (seam is not None and seam.value == "edge") or (seam is None and "routes" in body)
    if "modules" not in body and not edge:
        raise FormatError(f"service {name!r} lists no modules", path=origin, line=located.where)
    replicas = body.get("replicas", Located(1, located.line))
    if not isinstance(replicas.value, int) or isinstance(replicas.value, bool) or replicas.value < 0:
        raise FormatError(f"replicas of {name!r} must be a whole number >= 0", path=origin, line=replicas.line)
    resources = Resources()
    if "resources" in body:
        raw = _expect(body["resources"], dict, f"resources of {name!r}", origin)
        resources = _resources(name, raw, origin)
    pinned = body.get("pinned", Located(False, located.line))
    _expect(pinned, bool, f"pinned of {name!r}", origin)
    why = body.get("why")
    return ServicePlan(
        name=name,
        modules=_strings(body["modules"], f"modules of {name!r}", origin) if "modules" in body else (),
        pinned=pinned.value,
        replicas=replicas.value,
        resources=resources,
        requirements=_strings(body["requirements"], f"requirements of {name!r}", origin)
        if "requirements" in body else (),
        why=str(why.value) if why is not None else None,
        line=located.where,
        routes=routes,
        seam=str(seam.value) if seam is not None else None,
        env=parse_env(body.get("env"), f"env of {name!r}", origin),
        routes_line=body["routes"].line if "routes" in body else None,
    )


def _resources(name: str, raw: dict[str, Located], origin: str) -> Resources:
    for key, value in raw.items():
        if key not in {"cpu", "memory", "pids", "disk"}:
            raise FormatError(f"resources of {name!r}: unknown field {key!r} (known: cpu, memory, pids, disk)",
                              path=origin, line=value.line)
    cpu = raw.get("cpu")
    if cpu is not None and (isinstance(cpu.value, bool) or not isinstance(cpu.value, int | float)
                            or cpu.value <= 0):
        raise FormatError(f"cpu of {name!r} must be a number of cores > 0, like 0.5", path=origin, line=cpu.line)
    memory = raw.get("memory")
    if memory is not None:
        try:
            parse_memory(memory.value)
        except ValueError as error:
            raise FormatError(str(error), path=origin, line=memory.line) from error
    pids = raw.get("pids")
    if pids is not None and (not isinstance(pids.value, int) or isinstance(pids.value, bool) or pids.value < 1):
        raise FormatError(f"pids of {name!r} must be a whole number >= 1", path=origin, line=pids.line)
    disk = raw.get("disk")
    if disk is not None:
        try:
            size = parse_memory(disk.value)
        except ValueError:
            size = -1
        if not MIN_DISK <= size <= MAX_DISK or isinstance(disk.value, bool):
            raise FormatError(f"disk of {name!r} must be a size from 16Mi to 1Pi, like 1Gi (the /data volume's "
                              f"quota), not {disk.value!r}", path=origin, line=disk.line)
    return Resources(cpu=float(cpu.value) if cpu is not None else None,
                     memory=str(memory.value) if memory is not None else None,
                     pids=pids.value if pids is not None else None,
                     disk=str(disk.value) if disk is not None else None)


def _boundary(located: Located, origin: str) -> Boundary:
    body = _expect(located, dict, "each boundary", origin)
    for key in ("from", "to", "how"):
        if key not in body:
            raise FormatError(f"boundary lacks {key!r}", path=origin, line=located.line)
    how = body["how"].value
    if how not in BOUNDARY_KINDS:
        raise FormatError(f"boundary kind {how!r} is not one of {', '.join(BOUNDARY_KINDS)}", path=origin,
                          line=body["how"].line)
    accepted = body.get("accepted", Located(False, located.line))
    _expect(accepted, bool, "accepted", origin)
    return Boundary(source=str(body["from"].value), target=str(body["to"].value), how=how,
                    why=str(body["why"].value) if "why" in body else None,
                    where=str(body["where"].value) if "where" in body else None,
                    accepted=accepted.value)


def _groups(located: Located | None, what: str, origin: str) -> tuple[tuple[str, ...], ...]:
    if located is None:
        return ()
    items = _expect(located, list, what, origin)
    return tuple(_strings(item, f"each group of {what}", origin) for item in items)


def parse_plan(text: str, origin: str = "<plan>") -> Plan:
    """Parse and validate plan text; every problem names the line."""
    root = load_located(text, origin)
    body = _expect(root, dict, "the plan", origin)
    fmt = body.get("format")
    if fmt is None or fmt.value != FORMAT:
        raise FormatError(f"not a cleave plan (format {fmt.value if fmt else None!r}, expected {FORMAT!r})",
                          path=origin, line=fmt.line if fmt else 1, hint="run `cleave split` to make one")
    known = {"format", "source", "entry", "seed", "services", "shared", "rules", "boundaries", "metrics",
             "database", "env", "init", "notes", "infrastructure"}
    for key, value in body.items():
        if key not in known:
            raise FormatError(f"unknown field {key!r} (known: {', '.join(sorted(known))})", path=origin,
                              line=value.line)
    services_node = body.get("services")
    if services_node is None:
        raise FormatError("the plan has no services", path=origin, line=root.line)
    services = tuple(_service(name, node, origin)
                     for name, node in _expect(services_node, dict, "services", origin).items())
    entry = body.get("entry")
    if entry is not None and entry.value is not None and (not isinstance(entry.value, str) or ":" not in entry.value):
        raise FormatError(f"entry must look like module:attribute, not {entry.value!r}", path=origin,
                              line=entry.line)
    rules = body.get("rules")
    rules_body = _expect(rules, dict, "rules", origin) if rules is not None else {}
    seed = body.get("seed", Located(42, 1))
    _expect(seed, int, "seed", origin)
    metrics = body.get("metrics")
    database = parse_database(body["database"], origin) if "database" in body else None
    for user in database.services if database else ():
        if user not in {s.name for s in services}:
            raise FormatError(f"database.services names no such service: {user!r}", path=origin,
                              line=body["database"].where)
    init = body.get("init")
    if init is not None and init.value is not None and not isinstance(init.value, str):
        raise FormatError("init must be a shell command (text)", path=origin, line=init.line)
    return Plan(
        services=services,
        source=str(body["source"].value) if "source" in body else ".",
        entry=entry.value if entry is not None else None,
        seed=seed.value,
        shared=_strings(body["shared"], "shared", origin) if "shared" in body else (),
        rules=Rules(keep_together=_groups(rules_body.get("keep_together"), "keep_together", origin),
                    keep_apart=_groups(rules_body.get("keep_apart"), "keep_apart", origin)),
        boundaries=tuple(_boundary(item, origin)
                         for item in _expect(body["boundaries"], list, "boundaries", origin))
        if "boundaries" in body else (),
        metrics=_plain_metrics(metrics) if metrics is not None else {},
        origin=origin,
        database=database,
        env=parse_env(body.get("env"), "env", origin),
        init=init.value if init is not None and init.value else None,
        notes=_strings(body["notes"], "notes", origin) if "notes" in body else (),
        infrastructure=_infrastructure(body.get("infrastructure"), origin),
        infrastructure_line=body["infrastructure"].line if "infrastructure" in body else None,
    )


def _infrastructure(located: Located | None, origin: str) -> tuple[str, ...] | None:
    """The plan's ``infrastructure:`` globs; ``None`` when the key is absent (``[]`` and null mean none)."""
    if located is None:
        return None
    if located.value is None:
        return ()
    return _strings(located, "infrastructure", origin)


def _plain_metrics(located: Located) -> dict[str, Any]:
    value = plain(located)
    return value if isinstance(value, dict) else {}


def load_plan(path: Path) -> Plan:
    """Read and validate cleave.yaml."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise FormatError("plan not found", path=path, hint="run `cleave split` to propose one") from error
    except (OSError, UnicodeDecodeError) as error:
        raise FormatError(f"cannot read plan: {error}", path=path) from error
    return parse_plan(text, origin=str(path))


# ---------------------------------------------------------------------------------------------- writing

HEADER = """\
# cleave plan: edit it and rerun `cleave split` (it keeps pinned services as written) or `cleave build`.
# services.<name>.modules are globs over dotted module names; `pinned: true` freezes a service.
# A boundary with `how: blocker` stops `cleave build` until it is fixed in the code or marked `accepted: true`.
"""


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    out: dict[str, Any] = {"format": FORMAT, "source": plan.source}
    if plan.entry:
        out["entry"] = plan.entry
    out["seed"] = plan.seed
    out["services"] = {s.name: s.to_dict() for s in plan.services}
    out["shared"] = list(plan.shared)
    if plan.infrastructure is not None:
        out["infrastructure"] = list(plan.infrastructure)
    if plan.rules.to_dict():
        out["rules"] = plan.rules.to_dict()
    if plan.database is not None:
        out["database"] = plan.database.to_dict()
    if plan.env:
        out["env"] = env_dict(plan.env)
    if plan.init:
        out["init"] = plan.init
    if plan.notes:
        out["notes"] = list(plan.notes)
    out["boundaries"] = [b.to_dict() for b in plan.boundaries]
    if plan.metrics:
        out["metrics"] = dict(plan.metrics)
    return out


def dump_plan(plan: Plan) -> str:
    body = yaml.safe_dump(plan_to_dict(plan), sort_keys=False, default_flow_style=None, width=120,
                          allow_unicode=True)
    return HEADER + body


def save_plan(plan: Plan, path: Path) -> None:
    """Write cleave.yaml atomically."""
    write_text_atomic(path, dump_plan(plan))
